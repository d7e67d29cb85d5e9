"""Stage 1 — Strateginen palvelutarpeiden arviointi (strategic service needs assessment).

Modules: :mod:`~tasks.needs.inputs` (the Statistics Finland exports and the map, read and checked),
:mod:`~tasks.needs.analysis` (profiles, need index, change, reconciliation; pure),
:mod:`~tasks.needs.figures`, :mod:`~tasks.needs.proposal` (the agenda item),
:mod:`~tasks.needs.documents` (the decision document), :mod:`~tasks.needs.basis` (what later
stages read: the approved round) and :mod:`~tasks.needs.stage` (the declaration the round runs).
"""
