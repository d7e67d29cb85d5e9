"""Stakeholder-feedback synthesis: Finnish lemmatisation, theme assignment, counts, quotes, errors.

The small worked example (six comments, three themes) is checked by hand below; Voikko's
analyses of the words it uses are spelt out in the comments next to the assertions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schemas.feedback import (
    OTHER_THEME_ID,
    CommentAssignment,
    FeedbackComment,
    FeedbackSynthesis,
    MatchKind,
    ReviewStatus,
    ThemeTaxonomy,
    WordMatch,
)
from soteflow.errors import InputError
from tasks.chains import feedback
from tasks.chains.feedback import (
    MorphologyUnavailableError,
    analyse_word,
    close_morphology,
    compound_parts,
    load_taxonomy,
    proposal_sentences,
    read_feedback,
    read_theme_responses,
    read_theme_review,
    select_quotes,
    shorten_quote,
    synthesise_feedback,
    tokenize,
    validate_feedback_inputs,
)
from tests.support import DATA_DIR

THEMES_TOML = """\
[options]
min_score = 1.0
max_themes = 2
quotes_per_theme = 1
quote_max_chars = 60
other_name = "Muu palaute"
other_huomioiminen = "Välitetään palvelulinjoille."

[[themes]]
id = "kustannukset"
name = "Kustannusten vertailtavuus"
lemmas = ["läpinäkyvyys"]
parts = ["kustannus", "vertailu"]
weights = { kustannus = 2.0 }
huomioiminen = "Vaiheen 4 vertailu täysin kustannuksin."

[[themes]]
id = "pientuottajat"
name = "Pienet tuottajat ja järjestöt"
parts = ["yrittäjä", "järjestö", "seteli"]
huomioiminen = "Hankinnat osiin vaiheessa 5."

[[themes]]
id = "laatu"
name = "Laatu"
lemmas = ["jatkuvuus"]
parts = ["laatu"]

[[groups]]
name = "Järjestöt"
aliases = ["järjestö"]

[[groups]]
name = "Yrittäjät"
aliases = ["pienyrittäjät"]

[[groups]]
name = "Asiakkaat"
aliases = ["omaiset"]
"""

HEADER = "kommentti_id;päivämäärä;tilaisuus;sidosryhmä;kommentti\n"
K1 = (
    "Oman tuotannon ja ostopalveluiden vertailu vaatii läpinäkyvyyttä ja yhteiset periaatteet kustannusten laskemiseen."
)
K2 = "Pienyrittäjien on vaikea osallistua, ja palveluseteleillä hinnat eivät kata kustannuksia."
K6 = (
    "Yrittäjät toivovat, että hankintojen laatukriteerit ja kustannusvertailun periaatteet kerrotaan "
    "ajoissa ja että järjestöjen rooli huomioidaan."
)
ROWS = (
    f"K1;12.3.2025;Järjestöfoorumi;Järjestöt;{K1}\n"
    f"K2;9.4.2025;Yrittäjätilaisuus;pienyrittäjät;{K2}\n"
    "K3;12.3.2025;Järjestöfoorumi;Järjestöt;Järjestöjen vertaistuki täydentää palveluja.\n"
    "K4;22.10.2024;Asukasraati;omaiset;Kotihoidon laatu ja jatkuvuus ovat tärkeintä.\n"
    "K5;23.10.2024;Asukasraati;Asiakkaat;Kiitos tilaisuudesta.\n"
    f"K6;9.4.2025;Yrittäjätilaisuus;Yrittäjät;{K6}\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    themes = tmp_path / "themes.toml"
    themes.write_text(THEMES_TOML, encoding="utf-8")
    comments = tmp_path / "lausunnot.csv"
    comments.write_text(HEADER + ROWS, encoding="utf-8")
    return comments, themes


@pytest.fixture
def synthesis(files: tuple[Path, Path]) -> FeedbackSynthesis:
    comments, themes = files
    return synthesise_feedback(read_feedback(comments), load_taxonomy(themes), source_file=str(comments), cycle=2026)


# -- morphology ---------------------------------------------------------------------------------


def test_inflected_words_get_their_base_form() -> None:
    # Partitive plural, genitive plural, adessive plural: the keyword lists hold base forms only.
    assert analyse_word("kustannuksia").lemmas == ("kustannus",)
    assert analyse_word("kustannuksia").parts == ()  # a simple word (kustann-us is derivation)
    assert analyse_word("järjestöjen").lemmas == ("järjestö",)
    assert analyse_word("läpinäkyvyyttä").lemmas == ("läpinäkyvyys",)


def test_compounds_are_split_into_base_form_parts() -> None:
    # WORDBASES +pien+yrittä(yrittää)+jä(+jä), STRUCTURE =pppp=pppppppppp: parts pien | yrittäjä.
    word = analyse_word("pienyrittäjien")
    assert word.lemmas == ("pienyrittäjä",)
    assert word.parts == ("pien", "yrittäjä")
    # +palvel(palvella)+u(+u)+seteli(seteli): -u is derivation of palvel-, so palvelu | seteli.
    assert analyse_word("palveluseteleillä").lemmas == ("palveluseteli",)
    assert analyse_word("palveluseteleillä").parts == ("palvelu", "seteli")
    # Three parts give the runs of two as well, so a compound keyword matches inside a longer one.
    assert analyse_word("asiakaskokemuskyselyn").parts == (
        "asiakas",
        "kokemus",
        "kysely",
        "asiakaskokemus",
        "kokemuskysely",
    )


def test_compound_parts_from_voikko_attributes() -> None:
    # The attribute strings as Voikko 4.3 / voikko-fi 2.5 gives them.
    assert compound_parts("pienyrittäjä", "+pien+yrittä(yrittää)+jä(+jä)", "=pppp=pppppppppp") == ("pien", "yrittäjä")
    # "+n" without a base inside laske-n-ta is not a new part: no "=" at its offset 14.
    assert compound_parts(
        "kustannuslaskenta", "+kustann(kustantaa)+us(+us)+laske(laskea)+n+ta(+ta)", "=ppppppppp=ppppppppp"
    ) == ("kustannus", "laskenta")
    assert compound_parts("ostopalvelu", "+ost(ostaa)(+o)+o+palvel(palvella)+u(+u)", "=pppp=pppppppppp") == (
        "osto",
        "palvelu",
    )
    # A hyphen is its own morpheme and character; it is not a part.
    assert compound_parts("sote-palvelu", "+sote(sote)+-+palvel(palvella)+u(+u)", "=qqqq-=pppppppppp") == (
        "sote",
        "palvelu",
    )
    # A lexicalised compound listed as one morpheme stays whole (hyvinvointi, not hyvin + vointi).
    assert compound_parts("hyvinvointialue", "+hyvinvointi(hyvin=vointi)+alue(alue)", "=ppppp=pppppp=pppppp") == (
        "hyvinvointi",
        "alue",
    )
    assert compound_parts("kustannus", "+kustann(kustantaa)+us(+us)", "=pppppppppppp") == ()


def test_unknown_and_ambiguous_words() -> None:
    unknown = analyse_word("Tays:n")
    assert not unknown.known
    assert unknown.lemmas == ("tays:n",)  # compared as the lower-cased word form
    # "omaa" is the partitive of oma (own) or a form of omata (to own): both base forms count.
    assert set(analyse_word("omaa").lemmas) == {"oma", "omata"}


def test_tokenizer_keeps_words_only() -> None:
    text = "Oman tuotannon ja ostopalveluiden vertailu on vaikeaa, 2024 – ”kallista”."
    assert tokenize(text) == ["Oman", "tuotannon", "ja", "ostopalveluiden", "vertailu", "on", "vaikeaa", "kallista"]


def test_missing_voikko_names_the_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    import libvoikko

    def broken(language: str) -> None:
        raise libvoikko.VoikkoException("Initialization of Voikko failed: No such dictionary")

    close_morphology()
    monkeypatch.setattr(libvoikko, "Voikko", broken)
    with pytest.raises(MorphologyUnavailableError, match="libvoikko1 voikko-fi"):
        feedback.analyse_word("kustannuksia")
    monkeypatch.undo()
    close_morphology()
    assert analyse_word("kustannuksia").lemmas == ("kustannus",)  # created again on next use


# -- theme assignment on the worked example -------------------------------------------------------


def _by_id(synthesis: FeedbackSynthesis) -> dict[str, CommentAssignment]:
    return {a.comment_id: a for a in synthesis.assignments}


def test_theme_assignment_worked_example(synthesis: FeedbackSynthesis) -> None:
    a = _by_id(synthesis)
    # K1: vertailu (1) + läpinäkyvyyttä → läpinäkyvyys (1) + kustannusten → kustannus (weight 2) = 4.
    #     "ostopalveluiden" (osto + palvelu) matches no keyword of this taxonomy.
    assert (a["K1"].themes, a["K1"].scores) == (["kustannukset"], {"kustannukset": 4.0})
    # K2: Pienyrittäjien → part yrittäjä (1) + palveluseteleillä → part seteli (1) = 2 small producers;
    #     kustannuksia → kustannus (2) = 2 costs. Equal scores: taxonomy order, costs first.
    assert a["K2"].themes == ["kustannukset", "pientuottajat"]
    assert a["K2"].scores == {"kustannukset": 2.0, "pientuottajat": 2.0}
    assert a["K2"].group == "Yrittäjät"  # written "pienyrittäjät" in the file: an accepted spelling
    assert (a["K3"].themes, a["K3"].scores) == (["pientuottajat"], {"pientuottajat": 1.0})
    # K4: laatu (1) + jatkuvuus (1) = 2.
    assert (a["K4"].themes, a["K4"].scores) == (["laatu"], {"laatu": 2.0})
    # K5: no keyword → the catch-all.
    assert (a["K5"].themes, a["K5"].scores) == ([OTHER_THEME_ID], {})
    # K6: costs 2 (kustannusvertailun: kustannus 2 beats vertailu 1, one match per word and theme),
    #     small producers 2 (Yrittäjät, järjestöjen), quality 1 (laatukriteerit → part laatu);
    #     max_themes = 2 leaves quality out.
    assert a["K6"].themes == ["kustannukset", "pientuottajat"]
    assert a["K6"].scores == {"kustannukset": 2.0, "pientuottajat": 2.0, "laatu": 1.0}


def test_every_match_is_explained(synthesis: FeedbackSynthesis) -> None:
    a = _by_id(synthesis)
    assert a["K2"].matches == [
        WordMatch(
            word="Pienyrittäjien",
            lemma="pienyrittäjä",
            kind=MatchKind.COMPOUND_PART,
            keyword="yrittäjä",
            theme_id="pientuottajat",
            weight=1.0,
        ),
        WordMatch(
            word="palveluseteleillä",
            lemma="palveluseteli",
            kind=MatchKind.COMPOUND_PART,
            keyword="seteli",
            theme_id="pientuottajat",
            weight=1.0,
        ),
        WordMatch(
            word="kustannuksia",
            lemma="kustannus",
            kind=MatchKind.BASEFORM,
            keyword="kustannus",
            theme_id="kustannukset",
            weight=2.0,
        ),
    ]
    assert a["K2"].explanation == (
        "Teemat: Kustannusten vertailtavuus (2 pistettä), Pienet tuottajat ja järjestöt (2 pistettä). "
        "Osumat: ”Pienyrittäjien” → perusmuoto pienyrittäjä, yhdyssanan osa yrittäjä → avainsana yrittäjä → "
        "Pienet tuottajat ja järjestöt; ”palveluseteleillä” → perusmuoto palveluseteli, yhdyssanan osa seteli → "
        "avainsana seteli → Pienet tuottajat ja järjestöt; ”kustannuksia” → perusmuoto kustannus → avainsana "
        "kustannus, paino 2 → Kustannusten vertailtavuus."
    )
    assert a["K6"].explanation.endswith("Ei liitetty: Laatu (1 piste; enintään 2 teemaa).")
    assert a["K5"].explanation == (
        "Yksikään sana ei osunut teemojen avainsanoihin, joten kommentti on ryhmässä Muu palaute."
    )


def test_unknown_words_are_named_in_the_explanation(tmp_path: Path, files: tuple[Path, Path]) -> None:
    taxonomy = load_taxonomy(files[1])
    comment = FeedbackComment(
        row=2,
        comment_id="X1",
        date=dt.date(2025, 1, 1),
        session="S",
        group="Asiakkaat",
        text="Taysin pysäköinti on kallista.",
    )
    result = synthesise_feedback([comment], taxonomy, source_file="x.csv", cycle=2026)
    [assignment] = result.assignments
    assert assignment.unknown_words == ["Taysin"]
    assert "Voikko ei tunnistanut sanoja ”Taysin”" in assignment.explanation


def test_counts_by_group_and_theme(synthesis: FeedbackSynthesis) -> None:
    counts = synthesis.counts
    assert counts.theme_ids == ["kustannukset", "pientuottajat", "laatu", "muu"]
    assert [(r.group, r.by_theme, r.comments) for r in counts.rows] == [
        ("Järjestöt", {"kustannukset": 1, "pientuottajat": 1, "laatu": 0, "muu": 0}, 2),  # K1, K3
        ("Yrittäjät", {"kustannukset": 2, "pientuottajat": 2, "laatu": 0, "muu": 0}, 2),  # K2, K6 (two themes each)
        ("Asiakkaat", {"kustannukset": 0, "pientuottajat": 0, "laatu": 1, "muu": 1}, 2),  # K4, K5
    ]
    # 3 + 3 + 1 + 1 = 8 theme counts for 6 comments: K2 and K6 count under two themes.
    assert counts.theme_totals == {"kustannukset": 3, "pientuottajat": 3, "laatu": 1, "muu": 1}
    assert (counts.total_comments, counts.multi_theme_comments) == (6, 2)
    assert (synthesis.comments, synthesis.groups, synthesis.sessions) == (6, 3, 3)
    assert (synthesis.first_date, synthesis.last_date) == (dt.date(2024, 10, 22), dt.date(2025, 4, 9))
    shares = {t.theme_id: t.share_percent for t in synthesis.themes}
    assert shares == {"kustannukset": 50.0, "pientuottajat": 50.0, "laatu": 16.7, "muu": 16.7}  # 3/6, 1/6


def test_sessions_table(synthesis: FeedbackSynthesis) -> None:
    assert [(s.session, s.dates, s.groups, s.comments) for s in synthesis.session_table] == [
        ("Asukasraati", [dt.date(2024, 10, 22), dt.date(2024, 10, 23)], ["Asiakkaat"], 2),
        ("Järjestöfoorumi", [dt.date(2025, 3, 12)], ["Järjestöt"], 2),
        ("Yrittäjätilaisuus", [dt.date(2025, 4, 9)], ["Yrittäjät"], 2),
    ]


def test_quotes_are_the_highest_scoring_comments_shortened_at_a_word(synthesis: FeedbackSynthesis) -> None:
    quotes = {t.theme_id: t.quotes for t in synthesis.themes}
    # Costs: K1 has 4 points (K2, K6: 2). 114 characters > 60: first 58 end "…vaatii läpinäky",
    # cut back to the last space and " …" appended.
    [q] = quotes["kustannukset"]
    assert (q.comment_id, q.score, q.group, q.session) == ("K1", 4.0, "Järjestöt", "Järjestöfoorumi")
    assert (q.text, q.shortened) == ("Oman tuotannon ja ostopalveluiden vertailu vaatii …", True)
    # Small producers: K2 and K6 tie at 2, both Yrittäjät: the lower id.
    [q] = quotes["pientuottajat"]
    assert (q.comment_id, q.text) == ("K2", "Pienyrittäjien on vaikea osallistua, ja palveluseteleillä …")
    [q] = quotes["laatu"]
    assert (q.comment_id, q.text, q.shortened) == ("K4", "Kotihoidon laatu ja jatkuvuus ovat tärkeintä.", False)
    [q] = quotes[OTHER_THEME_ID]
    assert (q.comment_id, q.score) == ("K5", 0.0)


def test_quote_ties_prefer_groups_not_yet_quoted() -> None:
    def assignment(cid: str, group: str, score: float) -> CommentAssignment:
        return CommentAssignment(
            comment_id=cid,
            row=2,
            group=group,
            session="S",
            date=dt.date(2025, 1, 1),
            text=f"Kommentti {cid}.",
            themes=["t"],
            scores={"t": score},
            matches=[],
            unknown_words=[],
            explanation="",
            automatic_themes=["t"],
            review=ReviewStatus.AUTOMATIC,
            proposals=[],
        )

    items = [
        assignment("A-10", "G3", 2),
        assignment("A-2", "G1", 2),
        assignment("A-1", "G1", 3),
        assignment("A-3", "G2", 2),
    ]
    # A-1 (3 points) first; then the tie at 2 points: A-2 is from G1, already quoted, so A-3 (G2);
    # then A-2 (G1) or A-10 (G3): G3 not yet quoted. Ids sort naturally (A-2 < A-3 < A-10).
    assert [q.comment_id for q in select_quotes(items, "t", 3, 300)] == ["A-1", "A-3", "A-10"]
    assert [q.comment_id for q in select_quotes(items, "t", 4, 300)] == ["A-1", "A-3", "A-10", "A-2"]


def test_shorten_quote() -> None:
    assert shorten_quote("Lyhyt kommentti.", 40) == ("Lyhyt kommentti.", False)
    # limit 20 → first 18 characters "Palvelusetelin arv", back to the space, " …" appended.
    assert shorten_quote("Palvelusetelin arvo ei kata kustannuksia.", 20) == ("Palvelusetelin …", True)


def test_synthesis_metadata(synthesis: FeedbackSynthesis) -> None:
    # No review or responses given: every theme automatic, no response, nothing left out
    # (the window of cycle 2026 starts 1.1.2024; the comments are from 2024–2025).
    assert (synthesis.confirmed, synthesis.corrected, synthesis.review_file) == (0, 0, None)
    assert all(a.review is ReviewStatus.AUTOMATIC and a.themes == a.automatic_themes for a in synthesis.assignments)
    assert all(t.response is None for t in synthesis.themes)
    assert synthesis.window_start == dt.date(2024, 1, 1) and synthesis.excluded == []
    assert synthesis.source_file == "lausunnot.csv"  # the name only: the hash does not depend on the machine
    assert synthesis.example_data is False
    assert synthesis.morphology.startswith("Voikko ")
    huomioiminen = {t.theme_id: t.huomioiminen for t in synthesis.themes}
    assert huomioiminen["kustannukset"] == "Vaiheen 4 vertailu täysin kustannuksin."
    assert huomioiminen[OTHER_THEME_ID] == "Välitetään palvelulinjoille."


def test_synthesis_is_deterministic(files: tuple[Path, Path], synthesis: FeedbackSynthesis) -> None:
    comments, themes = files
    again = synthesise_feedback(
        list(reversed(read_feedback(comments))), load_taxonomy(themes), source_file=str(comments), cycle=2026
    )
    assert again == synthesis


# -- the shipped example data ---------------------------------------------------------------------


def test_shipped_example_data() -> None:
    comments_path = DATA_DIR / "examples" / "HVA08" / "lausunnot.csv"
    themes_path = DATA_DIR / "config" / "feedback_themes.toml"
    validate_feedback_inputs(comments_path, themes_path)
    result = synthesise_feedback(
        read_feedback(comments_path), load_taxonomy(themes_path), source_file=str(comments_path), cycle=2026
    )
    assert result.example_data is True
    # 83 rows; L083 (14.11.2023) is before the consultation period of cycle 2026 (from 1.1.2024): left out.
    assert (result.comments, result.groups, result.sessions) == (82, 9, 8)
    assert [(e.comment_id, e.date) for e in result.excluded] == [("L083", dt.date(2023, 11, 14))]
    assert result.counts.theme_ids == [
        "laatu", "pientuottajat", "kustannukset", "kehittaminen", "osallisuus", "resurssit", "muu"
    ]  # fmt: skip
    by_id = _by_id(result)
    l034 = by_id["L034"]
    # "Oman tuotannon ja ostopalveluiden vertailu on vaikeaa ja vaatii lisää läpinäkyvyyttä. Tarvitaan
    # yhteiset periaatteet kustannusten laskemiseen, jotta vertailu on reilu.":
    # vertailu 1 + läpinäkyvyys 1 + kustannus 2 + vertailu 1 = 5 ("ostopalvelu" is no cost word).
    assert (l034.themes, l034.scores) == (["kustannukset"], {"kustannukset": 5.0})
    assert [m.keyword for m in l034.matches] == ["vertailu", "läpinäkyvyys", "kustannus", "vertailu"]
    # The two mislabels of issue 9, right by the rules alone:
    # L012 "Ostopalveluina tuotettujen hoivakotien valvontaa on tehostettava. Omavalvonnan raportit …
    # laatua." — valvonta 1 + omavalvonta 1 + laatu 2 = 4 quality points; no cost theme any more.
    assert (by_id["L012"].automatic_themes, by_id["L012"].scores) == (["laatu"], {"laatu": 4.0})
    # L011 "Vanhusneuvosto haluaa olla mukana palveluketjujen suunnittelussa … ei vasta lausuntovaiheessa."
    # — mukaan 0,5 + suunnittelu 0,5 + lausunto (part of lausuntovaihe) 0,5 = 1,5 ≥ 1: osallisuus.
    assert (by_id["L011"].automatic_themes, by_id["L011"].scores) == (["osallisuus"], {"osallisuus": 1.5})
    # L043 "Pienyrittäjien on mahdotonta osallistua tarjouskilpailuihin …": osallistua alone is 0,5 < 1.
    assert "osallisuus" not in by_id["L043"].themes and by_id["L043"].scores["osallisuus"] == 0.5
    assert result.counts.multi_theme_comments > 0 and result.counts.theme_totals["muu"] > 0


# -- malformed input ------------------------------------------------------------------------------


def test_missing_column(tmp_path: Path, files: tuple[Path, Path]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("kommentti_id;päivämäärä;sidosryhmä;kommentti\nK1;1.1.2025;Järjestöt;Teksti.\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_feedback(bad)
    assert (err.value.file, err.value.row, err.value.field) == (str(bad), 1, "tilaisuus")
    with pytest.raises(InputError):
        validate_feedback_inputs(bad, files[1])


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty") as err:
        read_feedback(empty)
    assert err.value.file == str(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER, encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        read_feedback(header_only)


def test_duplicate_comment_id(tmp_path: Path) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text(HEADER + "K1;1.1.2025;S;Järjestöt;A.\nK2;1.1.2025;S;Järjestöt;B.\nK1;2.1.2025;S;Järjestöt;C.\n")
    with pytest.raises(InputError, match="duplicate kommentti_id 'K1' \\(first on row 2\\)") as err:
        read_feedback(dup)
    assert (err.value.row, err.value.field) == (4, "kommentti_id")


def test_bad_date(tmp_path: Path) -> None:
    bad = tmp_path / "date.csv"
    bad.write_text(HEADER + "K1;1.1.2025;S;Järjestöt;A.\nK2;31.2.2025;S;Järjestöt;B.\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a date") as err:
        read_feedback(bad)
    assert (err.value.row, err.value.field) == (3, "päivämäärä")


def test_empty_comment_cell(tmp_path: Path) -> None:
    bad = tmp_path / "empty_cell.csv"
    bad.write_text(HEADER + "K1;1.1.2025;S;Järjestöt;\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_feedback(bad)
    assert (err.value.row, err.value.field) == (2, "kommentti")


def test_unknown_stakeholder_group(tmp_path: Path, files: tuple[Path, Path]) -> None:
    bad = tmp_path / "group.csv"
    bad.write_text(HEADER + "K1;1.1.2025;S;Järjestöt;A.\nK2;1.1.2025;S;Lehdistö;B.\n", encoding="utf-8")
    taxonomy = load_taxonomy(files[1])
    with pytest.raises(InputError, match="unknown stakeholder group 'Lehdistö'") as err:
        synthesise_feedback(read_feedback(bad), taxonomy, source_file=str(bad), cycle=2026)
    assert (err.value.file, err.value.row, err.value.field) == (str(bad), 3, "sidosryhmä")
    with pytest.raises(InputError) as pre:
        validate_feedback_inputs(bad, files[1])
    assert (pre.value.row, pre.value.field) == (3, "sidosryhmä")
    # Case and spacing do not matter for accepted spellings.
    ok = tmp_path / "ok.csv"
    ok.write_text(HEADER + "K1;1.1.2025;S;  PIENYRITTÄJÄT ;A.\n", encoding="utf-8")
    validate_feedback_inputs(ok, files[1])


def test_taxonomy_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text("[[themes]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(InputError, match="TOML syntax error") as err:
        load_taxonomy(path)
    assert err.value.file == str(path)

    path.write_text(THEMES_TOML.split("[[groups]]")[0], encoding="utf-8")
    with pytest.raises(InputError, match="required key 'groups' is missing") as err:
        load_taxonomy(path)
    assert err.value.field == "groups"

    path.write_text(THEMES_TOML.replace('name = "Laatu"\n', ""), encoding="utf-8")
    with pytest.raises(InputError, match="required key is missing") as err:
        load_taxonomy(path)
    assert err.value.field == "themes[3].name"  # the third [[themes]] table

    path.write_text(THEMES_TOML.replace("max_themes = 2", "max_theme = 2"), encoding="utf-8")
    with pytest.raises(InputError, match="unknown key") as err:
        load_taxonomy(path)
    assert err.value.field == "options.max_theme"

    path.write_text(THEMES_TOML.replace('lemmas = ["jatkuvuus"]', 'lemmas = ["Jatkuvuus"]'), encoding="utf-8")
    with pytest.raises(InputError, match="lower-case word in base form") as err:
        load_taxonomy(path)
    assert err.value.field == "themes[3]"

    path.write_text(THEMES_TOML.replace('id = "laatu"', 'id = "muu"'), encoding="utf-8")
    with pytest.raises(InputError, match="reserved"):
        load_taxonomy(path)


def test_shipped_taxonomy() -> None:
    taxonomy = load_taxonomy(DATA_DIR / "config" / "feedback_themes.toml")
    assert isinstance(taxonomy, ThemeTaxonomy)
    assert [t.name for t in taxonomy.themes] == [
        "Palvelujen laatu, valvonta ja asiakasnäkökulma",
        "Pienten tuottajien ja järjestöjen asema",
        "Oman ja ostetun tuotannon kustannusten vertailtavuus",
        "Kehittäminen ja pilotointi",
        "Osallisuus ja vaikuttaminen",
        "Resurssien riittävyys",
    ]
    assert all(t.huomioiminen for t in taxonomy.themes)
    assert "täysin kustannuksin" in taxonomy.themes[2].huomioiminen  # cost comparability → stage 4 full costs


# -- the preparer's review and responses, the dates, the proposals ------------------------------------

REVIEW_HEADER = "kommentti_id;teema;päättäjä;huomautus\n"


def _review(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "lausunnot_teemat.csv"
    path.write_text(REVIEW_HEADER + body, encoding="utf-8")
    return path


def test_review_confirms_and_corrects_and_is_recorded(files: tuple[Path, Path], tmp_path: Path) -> None:
    comments_path, themes_path = files
    comments, taxonomy = read_feedback(comments_path), load_taxonomy(themes_path)
    auto = {
        a.comment_id: a for a in synthesise_feedback(comments, taxonomy, source_file="x.csv", cycle=2026).assignments
    }
    first, second = sorted(auto, key=lambda cid: auto[cid].row)[:2]
    keep = ", ".join(auto[first].themes)
    review = read_theme_review(
        _review(tmp_path, f"{first};{keep};Valmistelija A;\n{second};muu;Valmistelija B;Ei kuulu teemoihin.\n"),
        comments,
        taxonomy,
    )
    result = synthesise_feedback(
        comments, taxonomy, source_file="x.csv", cycle=2026, review=review, review_file=str(tmp_path / "r.csv")
    )
    by_id = _by_id(result)
    assert (by_id[first].review, by_id[first].decided_by, by_id[first].themes) == (
        ReviewStatus.CONFIRMED,
        "Valmistelija A",
        auto[first].themes,
    )
    corrected = by_id[second]
    assert (corrected.review, corrected.themes, corrected.automatic_themes) == (
        ReviewStatus.CORRECTED,
        [OTHER_THEME_ID],
        auto[second].themes,
    )
    assert corrected.review_note == "Ei kuulu teemoihin." and "Valmistelija korjasi teemat" in corrected.explanation
    assert (result.confirmed, result.corrected, result.review_file) == (1, 1, "r.csv")
    # The counts follow the final themes: one comment more under "muu".
    assert result.counts.theme_totals[OTHER_THEME_ID] == sum(1 for a in auto.values() if a.themes == ["muu"]) + 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("X99;laatu;A;\n", "kommentti_id", "not in lausunnot.csv"),
        ("{id};hinnat;A;\n", "teema", "unknown theme 'hinnat'"),
        ("{id};muu, laatu;A;\n", "teema", "cannot be combined"),
        ("{id};laatu, LAATU;A;\n", "teema", "named twice"),
        ("{id};laatu;;\n", "päättäjä", r"\S"),
        ("{id};laatu;A;\n{id};muu;B;\n", "kommentti_id", "duplicate"),
    ],
)
def test_a_bad_review_row_names_file_row_and_field(
    files: tuple[Path, Path], tmp_path: Path, body: str, field: str, message: str
) -> None:
    comments_path, themes_path = files
    comments, taxonomy = read_feedback(comments_path), load_taxonomy(themes_path)
    path = _review(tmp_path, body.format(id=comments[0].comment_id))
    with pytest.raises(InputError, match=message) as err:
        read_theme_review(path, comments, taxonomy)
    assert (err.value.file, err.value.field) == (str(path), field)
    assert err.value.row == (3 if "duplicate" in message else 2)


def test_responses_and_their_errors(files: tuple[Path, Path], tmp_path: Path) -> None:
    taxonomy = load_taxonomy(files[1])
    path = tmp_path / "lausunnot_vastineet.csv"
    path.write_text(
        "teema;erimielisyydet;vastine;laatija\nkustannukset;A ja B eri mieltä.;Vertaillaan täysin kustannuksin.;V\n",
        encoding="utf-8",
    )
    responses = read_theme_responses(path, taxonomy)
    assert list(responses) == ["kustannukset"] and responses["kustannukset"].disagreements == "A ja B eri mieltä."
    result = synthesise_feedback(
        read_feedback(files[0]), taxonomy, source_file="x.csv", cycle=2026, responses=responses
    )
    themes = {t.theme_id: t for t in result.themes}
    assert (themes["kustannukset"].response, themes["kustannukset"].response_by) == (
        "Vertaillaan täysin kustannuksin.",
        "V",
    )
    assert themes["pientuottajat"].response is None  # the document says it is missing
    path.write_text("teema;erimielisyydet;vastine;laatija\nhinnat;;Teksti.;V\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown theme") as err:
        read_theme_responses(path, taxonomy)
    assert (err.value.row, err.value.field) == (2, "teema")


def test_comment_dates_are_checked_against_the_cycle(files: tuple[Path, Path]) -> None:
    comments, taxonomy = read_feedback(files[0]), load_taxonomy(files[1])
    # The fixture's comments are dated 22.10.2024–9.4.2025. Cycle 2027's period starts 1.1.2025:
    # the 2024 comments are left out and listed.
    result = synthesise_feedback(comments, taxonomy, source_file="x.csv", cycle=2027)
    assert result.window_start == dt.date(2025, 1, 1)
    assert all(e.date < dt.date(2025, 1, 1) for e in result.excluded) and result.excluded
    assert result.comments == len(comments) - len(result.excluded)
    # A meeting before the last comment: that comment cannot have been heard — an error naming the row.
    last = max(comments, key=lambda c: c.date)
    with pytest.raises(InputError, match="after the meeting") as err:
        synthesise_feedback(
            comments, taxonomy, source_file="x.csv", cycle=2026, meeting_date=last.date - dt.timedelta(days=1)
        )
    assert (err.value.row, err.value.field) == (last.row, "päivämäärä")
    # Every comment before the period: an error, not an empty summary.
    with pytest.raises(InputError, match="every comment"):
        synthesise_feedback(comments, taxonomy, source_file="x.csv", cycle=2030)


def test_proposal_sentences() -> None:
    # Conditional, imperative, necessitive and "tarvitaan" propose; a plain statement and a
    # connegative ("ei ole") do not.
    text = (
        "Jonot ovat pitkiä. Palautteisiin pitäisi vastata. Jakakaa hankinnat osiin. "
        "Valvontaa on tehostettava. Tarvitaan yhteiset periaatteet. Henkilöstöä ei ole riittävästi."
    )
    assert proposal_sentences(text) == [
        "Palautteisiin pitäisi vastata.",
        "Jakakaa hankinnat osiin.",
        "Valvontaa on tehostettava.",
        "Tarvitaan yhteiset periaatteet.",
    ]
