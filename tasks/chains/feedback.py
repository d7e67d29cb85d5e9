"""Stage 3 co-development: synthesis of stakeholder feedback (pure functions, no Prefect).

The region's own 2024 summary of stakeholder statements is the model: comments are counted by
stakeholder group and theme, representative comments are quoted, and for every theme the
document says how the feedback is taken into account. Themes, their keywords and the stakeholder
groups are configuration (``data/config/feedback_themes.toml``), not code.

Finnish inflects heavily ("kustannuksia", "pienyrittäjien", "palveluseteleillä"), so a keyword
list of word forms would miss most mentions. Every word is analysed with Voikko, the Finnish
morphology of the field (Debian packages ``libvoikko1`` and ``voikko-fi``, Python binding
``libvoikko``): its base forms (BASEFORM, all analyses) and, for compounds, the parts read from
WORDBASES and STRUCTURE ("pienyrittäjien" → pienyrittäjä = pien + yrittäjä). A word Voikko does
not know is compared as its lower-cased form, and the explanation says so.

Assignment: a comment gets every theme whose keywords match at least ``min_score`` (sum of the
matched keywords' weights, one match per word and theme), at most ``max_themes`` of them, highest
score first (ties in taxonomy order). A comment with no theme goes to "muu palaute". Every match
is recorded as word form → lemma (→ compound part) → keyword → theme: the explanation.

The keyword rules only propose. The preparer may confirm or correct any comment's themes in the
optional file ``lausunnot_teemat.csv`` (who decided, and why); the synthesis counts and quotes the
final themes and records for every comment whether its themes are automatic, confirmed or
corrected. Each theme's narrative is the proposals made in its comments (sentences with a
proposal form, quoted verbatim), the disagreements and the region's response; the last two come
from the preparer's optional file ``lausunnot_vastineet.csv`` and are never written by the code:
without a response the document says that it is missing.

Dates: a comment dated after the meeting date given for the round is an error (the file or the
date is wrong); one dated before the cycle's consultation period (1 January of the year
``consultation_years_before_cycle`` years before the cycle) belongs to an earlier round and is
left out, and the document lists it.
"""

from __future__ import annotations

import atexit
import datetime as dt
import re
import threading
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.feedback import (
    OTHER_THEME_ID,
    CommentAssignment,
    CountsTable,
    ExcludedComment,
    FeedbackComment,
    FeedbackRow,
    FeedbackSynthesis,
    GroupThemeCounts,
    MatchKind,
    Proposal,
    Quote,
    ReviewStatus,
    SessionSummary,
    ThemeDefinition,
    ThemeResponseRow,
    ThemeReviewRow,
    ThemeSummary,
    ThemeTaxonomy,
    WordMatch,
)
from soteflow.data.tabular import read_rows, unique
from soteflow.errors import InputError, SoteflowError
from soteflow.numbers import fi_number

#: The feedback file's name in an inputs folder (data/examples/<REGION>/ by default).
FEEDBACK_FILENAME = "lausunnot.csv"
#: The preparer's optional theme review: ``kommentti_id;teema;päättäjä;huomautus``.
REVIEW_FILENAME = "lausunnot_teemat.csv"
#: The preparer's optional responses per theme: ``teema;erimielisyydet;vastine;laatija``.
RESPONSES_FILENAME = "lausunnot_vastineet.csv"
#: The taxonomy's place under the data folder (configuration, shipped in data/config/).
TAXONOMY_FILE = Path("config") / "feedback_themes.toml"
#: Column headers of the feedback file, in order (for messages and the README).
COLUMNS = ("kommentti_id", "päivämäärä", "tilaisuus", "sidosryhmä", "kommentti")
GROUP_COLUMN = "sidosryhmä"
ID_COLUMN = "kommentti_id"
#: Debian packages that provide the morphology (the PyPI binding alone has no dictionary).
DEBIAN_PACKAGES = "libvoikko1 voikko-fi"


class MorphologyUnavailableError(SoteflowError):
    """Voikko (the library or its Finnish dictionary) is not installed on this machine."""


# ---------------------------------------------------------------------------------------------
# Morphology: one Voikko instance per process, created on first use, terminated at exit.

# A Voikko instance must not be used from two threads at once (libvoikko's documentation);
# Prefect may run tasks in threads, so every call goes through this lock.
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _voikko() -> Any:
    try:
        import libvoikko
    except ImportError as exc:  # pragma: no cover - the binding is a locked dependency
        raise MorphologyUnavailableError(
            "the Python binding 'libvoikko' is missing: install the project's dependencies "
            f"(and the Debian packages {DEBIAN_PACKAGES})"
        ) from exc
    try:
        instance = libvoikko.Voikko("fi")
    except (OSError, libvoikko.VoikkoException) as exc:
        raise MorphologyUnavailableError(
            f"Finnish morphology (Voikko) is not available ({exc}): install the Debian packages "
            f"{DEBIAN_PACKAGES} (apt-get install {DEBIAN_PACKAGES})"
        ) from exc
    atexit.register(close_morphology)
    return instance


def close_morphology() -> None:
    """Terminate the process's Voikko instance (it is created again on next use)."""
    with _LOCK:
        if _voikko.cache_info().currsize:
            _voikko().terminate()
        _voikko.cache_clear()
        _analyse.cache_clear()


def morphology_version() -> str:
    """The morphology used, e.g. ``Voikko 4.3.1, sanakirja suomi (perussanasto)``.

    Raises :class:`MorphologyUnavailableError` naming the Debian packages if Voikko is missing,
    so a CLI can check the machine before a run starts.
    """
    import libvoikko

    with _LOCK:
        _voikko()
        dictionaries = [d for d in libvoikko.Voikko.listDicts() if d.language == "fi"]
    names = ", ".join(sorted({d.description for d in dictionaries})) or "fi"
    return f"Voikko {libvoikko.Voikko.getVersion()}, sanakirja {names}"


@dataclass(frozen=True)
class Analysis:
    """One morphological reading of a word: its base form and, for compounds, the parts.

    ``parts`` are the compound's parts in order; ``part_keys`` adds every run of adjacent parts
    short of the whole word, so a keyword that is itself a compound matches inside a longer one
    ("asiakaskokemus" in asiakaskokemuskysely = asiakas + kokemus + kysely).
    """

    baseform: str
    parts: tuple[str, ...]

    @property
    def part_keys(self) -> tuple[str, ...]:
        """The parts and the runs of adjacent parts (excluding the whole word)."""
        n = len(self.parts)
        runs = ["".join(self.parts[i:j]) for size in range(1, n) for i in range(n - size + 1) for j in [i + size]]
        return tuple(dict.fromkeys(runs))


@dataclass(frozen=True)
class WordAnalysis:
    """A word of a comment and its readings; ``known`` is False when Voikko has no reading."""

    word: str
    analyses: tuple[Analysis, ...]

    @property
    def known(self) -> bool:
        """Voikko recognised the word."""
        return bool(self.analyses)

    @property
    def lemmas(self) -> tuple[str, ...]:
        """The base forms of all readings (lower case, first reading first); the word form if unknown."""
        if not self.analyses:
            return (self.word.lower(),)
        return tuple(dict.fromkeys(a.baseform for a in self.analyses))

    @property
    def parts(self) -> tuple[str, ...]:
        """The compound parts (and runs of adjacent parts) of all readings; empty for a simple word."""
        return tuple(dict.fromkeys(p for a in self.analyses for p in a.part_keys))


def _segments(wordbases: str) -> list[tuple[str, list[str]]]:
    """WORDBASES ``+pien+yrittä(yrittää)+jä(+jä)`` → ``[("pien", []), ("yrittä", ["yrittää"]), ("jä", ["+jä"])]``."""
    out: list[tuple[str, list[str]]] = []
    depth = 0
    current = ""
    for char in wordbases:
        if char == "+" and depth == 0:
            if current:
                out.append(_segment(current))
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    if current:
        out.append(_segment(current))
    return out


def _segment(text: str) -> tuple[str, list[str]]:
    surface = text.split("(", 1)[0]
    return surface, re.findall(r"\(([^()]*)\)", text)


def compound_parts(baseform: str, wordbases: str, structure: str) -> tuple[str, ...]:
    """The parts of a compound word, in base form, from Voikko's WORDBASES and STRUCTURE.

    WORDBASES lists the morphemes (``+palvel(palvella)+u(+u)+seteli(seteli)``); a morpheme whose
    base starts with ``+`` is a derivational suffix of the previous part. STRUCTURE marks where a
    compound part begins with ``=`` (``=ppppppp=pppppppppp``). A part begins at a lexical morpheme
    that sits on such a mark; the parts are the base form cut at those offsets (non-final parts
    keep their form in inflection, and the last part is taken from the base form, so it is
    uninflected): ``palveluseteli`` → ``("palvelu", "seteli")``, ``pienyrittäjä`` → ``("pien",
    "yrittäjä")``. A simple word gives ``()``.
    """
    marks: set[int] = set()
    position = 0
    for char in structure:
        if char == "=":
            marks.add(position)
        else:
            position += 1
    starts: list[int] = []
    offset = 0
    for surface, bases in _segments(wordbases):
        derivational = bool(bases) and bases[0].startswith("+")
        if surface != "-" and not derivational and offset in marks:
            starts.append(offset)
        offset += len(surface)
    if len(starts) < 2 or starts[0] != 0 or starts[-1] >= len(baseform):
        return ()
    bounds = [*starts, len(baseform)]
    parts = [baseform[a:b].strip("-").lower() for a, b in pairwise(bounds)]
    parts = [p for p in parts if p]
    return tuple(parts) if len(parts) > 1 else ()


@lru_cache(maxsize=65536)
def _analyse(word: str) -> tuple[Analysis, ...]:
    with _LOCK:
        readings = _voikko().analyze(word)
    out: list[Analysis] = []
    for reading in readings:
        baseform = reading.get("BASEFORM")
        if not baseform:
            continue
        parts = compound_parts(baseform, reading.get("WORDBASES", ""), reading.get("STRUCTURE", ""))
        analysis = Analysis(baseform.lower(), parts)
        if analysis not in out:
            out.append(analysis)
    return tuple(out)


def analyse_word(word: str) -> WordAnalysis:
    """Voikko's readings of one word (all of them: an ambiguous word keeps every base form)."""
    return WordAnalysis(word, _analyse(word))


def tokenize(text: str) -> list[str]:
    """The words of ``text`` with Voikko's tokenizer (punctuation, spaces and numbers dropped)."""
    import libvoikko

    with _LOCK:
        tokens = _voikko().tokens(text)
    return [
        t.tokenText for t in tokens if t.tokenType == libvoikko.Token.WORD and any(c.isalpha() for c in t.tokenText)
    ]


def lemmatise(text: str) -> list[WordAnalysis]:
    """Every word of ``text`` with its base forms and compound parts, in text order."""
    return [analyse_word(word) for word in tokenize(text)]


# ---------------------------------------------------------------------------------------------
# Configuration and input files.


def _field_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a TOML key path: ``("themes", 2, "name")`` → ``themes[3].name``."""
    out = ""
    for item in loc:
        if isinstance(item, int):
            out += f"[{item + 1}]"
        else:
            out += ("." if out else "") + str(item)
    return out


def load_taxonomy(path: Path) -> ThemeTaxonomy:
    """Read the theme taxonomy (TOML): themes with keywords, stakeholder groups, options.

    A TOML syntax error, a missing or misspelt key or a bad value raises :class:`InputError`
    naming the file and the key (``themes[3].lemmas``: the third ``[[themes]]`` table).
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"TOML syntax error: {exc}", file=path) from None
    for key in ("themes", "groups"):
        if key not in raw:
            raise InputError(f"required key {key!r} is missing", file=path, field=key)
    try:
        return ThemeTaxonomy.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if first.get("type") == "missing":
            message = "required key is missing"
        elif first.get("type") == "extra_forbidden":
            message = "unknown key (misspelt?)"
        raise InputError(message, file=path, field=_field_path(first.get("loc", ())) or None) from None


def read_feedback(path: Path) -> list[FeedbackComment]:
    """Read the stakeholder-feedback file ``kommentti_id;päivämäärä;tilaisuus;sidosryhmä;kommentti``.

    CSV (``;``, UTF-8 or cp1252) or .xlsx (first sheet named ``lausunnot``). A missing column, an
    empty cell, a bad date, an empty file or a repeated ``kommentti_id`` raises
    :class:`InputError` naming the file, row and column. Stakeholder groups are checked against
    the taxonomy by :func:`synthesise_feedback` (and :func:`validate_feedback_inputs`).
    """
    path = Path(path)
    sheet = "lausunnot" if path.suffix.lower() == ".xlsx" else None
    rows = read_rows(path, FeedbackRow, sheet=sheet)
    unique(rows, path, "comment_id", ID_COLUMN, sheet=sheet)
    return [
        FeedbackComment(
            row=r.number,
            comment_id=r.value.comment_id,
            date=r.value.date,
            session=r.value.session,
            group=r.value.group,
            text=r.value.text,
        )
        for r in rows
    ]


def _spelling(text: str) -> str:
    return " ".join(text.split()).lower()


def canonical_groups(comments: Iterable[FeedbackComment], taxonomy: ThemeTaxonomy, *, source_file: str) -> list[str]:
    """Each comment's stakeholder group as its canonical name; an unknown group names the row."""
    spellings = {_spelling(s): g.name for g in taxonomy.groups for s in [g.name, *g.aliases]}
    out = []
    for comment in comments:
        name = spellings.get(_spelling(comment.group))
        if name is None:
            known = ", ".join(g.name for g in taxonomy.groups)
            raise InputError(
                f"unknown stakeholder group {comment.group!r} (known groups: {known}; "
                "accepted spellings are in the theme configuration)",
                file=source_file,
                row=comment.row,
                field=GROUP_COLUMN,
            )
        out.append(name)
    return out


def theme_id_of(text: str, taxonomy: ThemeTaxonomy) -> str | None:
    """The theme id a cell names: an id or a name, case and spacing ignored ("muu" and the
    catch-all's name included); None if it names no theme."""
    wanted = _spelling(text)
    for theme_id in taxonomy.theme_ids():
        if wanted in {theme_id, _spelling(taxonomy.theme_name(theme_id))}:
            return theme_id
    return None


def _unknown_theme(text: str, taxonomy: ThemeTaxonomy) -> str:
    known = ", ".join(taxonomy.theme_ids())
    return f"unknown theme {text!r} (known theme ids: {known}; a theme's name is accepted too)"


@dataclass(frozen=True)
class ThemeDecision:
    """The preparer's decision on one comment's themes (a row of the review file)."""

    comment_id: str
    themes: tuple[str, ...]
    decided_by: str
    note: str | None
    row: int


def read_theme_review(path: Path, comments: Sequence[FeedbackComment], taxonomy: ThemeTaxonomy) -> list[ThemeDecision]:
    """Read the preparer's theme review ``kommentti_id;teema;päättäjä;huomautus`` (optional file).

    ``teema`` names one theme or several separated by commas, by id or name; "muu" (the
    catch-all) stands alone. A missing column, an empty required cell, a repeated
    ``kommentti_id``, an id that is not in the feedback file, an unknown theme, "muu" with another
    theme or a theme named twice raises :class:`InputError` naming the file, row and column.
    """
    path = Path(path)
    rows = read_rows(path, ThemeReviewRow, optional_columns=("huomautus",))
    unique(rows, path, "comment_id", ID_COLUMN)
    known = {c.comment_id for c in comments}
    out = []
    for r in rows:
        value = r.value
        if value.comment_id not in known:
            raise InputError(
                f"comment {value.comment_id!r} is not in {FEEDBACK_FILENAME}", file=path, row=r.number, field=ID_COLUMN
            )
        themes: list[str] = []
        for part in value.themes.split(","):
            theme_id = theme_id_of(part, taxonomy) if part.strip() else None
            if theme_id is None:
                raise InputError(_unknown_theme(part.strip(), taxonomy), file=path, row=r.number, field="teema")
            if theme_id in themes:
                raise InputError(f"theme {part.strip()!r} is named twice", file=path, row=r.number, field="teema")
            themes.append(theme_id)
        if OTHER_THEME_ID in themes and len(themes) > 1:
            raise InputError(
                f"{taxonomy.options.other_name!r} ({OTHER_THEME_ID}) cannot be combined with another theme",
                file=path,
                row=r.number,
                field="teema",
            )
        out.append(ThemeDecision(value.comment_id, tuple(themes), value.decided_by, value.note, r.number))
    return out


def read_theme_responses(path: Path, taxonomy: ThemeTaxonomy) -> dict[str, ThemeResponseRow]:
    """Read the preparer's responses ``teema;erimielisyydet;vastine;laatija`` (optional file): theme
    id → row. A missing column, an empty ``vastine`` or ``laatija``, an unknown theme or a theme
    given twice raises :class:`InputError` naming the file, row and column."""
    path = Path(path)
    rows = read_rows(path, ThemeResponseRow, optional_columns=("erimielisyydet",))
    out: dict[str, ThemeResponseRow] = {}
    first: dict[str, int] = {}
    for r in rows:
        theme_id = theme_id_of(r.value.theme, taxonomy)
        if theme_id is None:
            raise InputError(_unknown_theme(r.value.theme, taxonomy), file=path, row=r.number, field="teema")
        if theme_id in out:
            raise InputError(
                f"theme {r.value.theme!r} has a response already (row {first[theme_id]})",
                file=path,
                row=r.number,
                field="teema",
            )
        out[theme_id] = r.value
        first[theme_id] = r.number
    return out


def consultation_start(cycle: int, taxonomy: ThemeTaxonomy) -> dt.date:
    """The first day of the cycle's consultation period: 1 January, ``consultation_years_before_cycle``
    years before the cycle (cycle 2026, 2 years → 1.1.2024)."""
    return dt.date(cycle - taxonomy.options.consultation_years_before_cycle, 1, 1)


def check_dates(
    comments: Sequence[FeedbackComment],
    groups: Sequence[str],
    *,
    cycle: int,
    meeting_date: dt.date | None,
    taxonomy: ThemeTaxonomy,
    source_file: str,
) -> tuple[list[int], list[ExcludedComment]]:
    """Check each comment's date against the cycle: the indexes of the comments kept and those left out.

    A comment dated after ``meeting_date`` (the meeting date given for the round) cannot have been
    heard before the body decides: :class:`InputError` naming the row and ``päivämäärä``. A comment
    dated before :func:`consultation_start` belongs to an earlier round's consultation: it is left
    out and listed. If every comment is left out, that is an error too.
    """
    start = consultation_start(cycle, taxonomy)
    kept: list[int] = []
    excluded: list[ExcludedComment] = []
    for index, (comment, group) in enumerate(zip(comments, groups, strict=True)):
        if meeting_date is not None and comment.date > meeting_date:
            raise InputError(
                f"comment {comment.comment_id} is dated {_fi_date(comment.date)}, after the meeting on "
                f"{_fi_date(meeting_date)}: a comment must be given before the body decides",
                file=source_file,
                row=comment.row,
                field="päivämäärä",
            )
        if comment.date < start:
            excluded.append(
                ExcludedComment(
                    comment_id=comment.comment_id,
                    row=comment.row,
                    date=comment.date,
                    group=group,
                    session=comment.session,
                )
            )
        else:
            kept.append(index)
    if not kept:
        raise InputError(
            f"every comment is dated before the consultation period of cycle {cycle} (from {_fi_date(start)})",
            file=source_file,
            field="päivämäärä",
        )
    return kept, excluded


def validate_feedback_inputs(feedback_path: Path, taxonomy_path: Path) -> None:
    """Check the feedback file and the taxonomy as a run would, without computing anything.

    Raises the same :class:`InputError` the run would raise: taxonomy TOML and keys, columns,
    empty file, types and dates, duplicate ``kommentti_id``, unknown stakeholder groups.
    """
    taxonomy = load_taxonomy(taxonomy_path)
    comments = read_feedback(feedback_path)
    canonical_groups(comments, taxonomy, source_file=str(feedback_path))


# ---------------------------------------------------------------------------------------------
# Theme assignment.


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort ids like people do: ``K-2`` before ``K-10``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p.lower()) for p in re.split(r"(\d+)", text) if p)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else fi_number(value, 2).rstrip("0").rstrip(",")


def _points(value: float) -> str:
    return f"{_number(value)} {'piste' if value == 1 else 'pistettä'}"


def _best_match(word: WordAnalysis, theme: ThemeDefinition) -> WordMatch | None:
    """The strongest keyword of ``theme`` that ``word`` matches (weight, then whole word, then keyword)."""
    candidates: list[tuple[float, int, str, str, MatchKind]] = []
    lemmas = word.lemmas
    for keyword in dict.fromkeys([*theme.lemmas, *theme.parts]):
        if keyword in lemmas:
            kind = MatchKind.BASEFORM if word.known else MatchKind.WORD_FORM
            candidates.append((-theme.weight(keyword), 0, keyword, keyword, kind))
        elif keyword in theme.parts and keyword in word.parts:
            lemma = next(a.baseform for a in word.analyses if keyword in a.part_keys)
            candidates.append((-theme.weight(keyword), 1, keyword, lemma, MatchKind.COMPOUND_PART))
    if not candidates:
        return None
    weight, _order, keyword, lemma, kind = min(candidates)
    return WordMatch(word=word.word, lemma=lemma, kind=kind, keyword=keyword, theme_id=theme.id, weight=-weight)


def _explain(
    matches: list[WordMatch],
    scores: dict[str, float],
    themes: list[str],
    unknown: list[str],
    taxonomy: ThemeTaxonomy,
) -> str:
    options = taxonomy.options
    sentences: list[str] = []
    if themes == [OTHER_THEME_ID]:
        if scores:
            sentences.append(
                f"Yksikään teema ei saavuttanut vähimmäispisteitä {_number(options.min_score)}, joten kommentti "
                f"on ryhmässä {options.other_name}."
            )
        else:
            sentences.append(
                f"Yksikään sana ei osunut teemojen avainsanoihin, joten kommentti on ryhmässä {options.other_name}."
            )
    else:
        listed = ", ".join(f"{taxonomy.theme_name(t)} ({_points(scores[t])})" for t in themes)
        sentences.append(f"Teemat: {listed}.")
    steps = []
    for m in matches:
        if m.kind is MatchKind.BASEFORM:
            how = f"perusmuoto {m.lemma}"
        elif m.kind is MatchKind.COMPOUND_PART:
            how = f"perusmuoto {m.lemma}, yhdyssanan osa {m.keyword}"
        else:
            how = "Voikko ei tunne sanaa, verrattu sanamuotona"
        weight = "" if m.weight == 1 else f", paino {_number(m.weight)}"
        steps.append(f"”{m.word}” → {how} → avainsana {m.keyword}{weight} → {taxonomy.theme_name(m.theme_id)}")
    if steps:
        sentences.append("Osumat: " + "; ".join(steps) + ".")
    left_out = [t for t in scores if t not in themes]
    if left_out:
        reasons = []
        for t in left_out:
            if scores[t] < options.min_score:
                reasons.append(f"{taxonomy.theme_name(t)} ({_points(scores[t])} < {_number(options.min_score)})")
            else:
                reasons.append(f"{taxonomy.theme_name(t)} ({_points(scores[t])}; enintään {options.max_themes} teemaa)")
        sentences.append("Ei liitetty: " + ", ".join(reasons) + ".")
    if unknown:
        sentences.append(
            "Voikko ei tunnistanut sanoja " + ", ".join(f"”{w}”" for w in unknown) + "; ne verrattiin avainsanoihin "
            "pienaakkosin kirjoitettuina sanamuotoina."
        )
    return " ".join(sentences)


def assign_themes(comment: FeedbackComment, group: str, taxonomy: ThemeTaxonomy) -> CommentAssignment:
    """The themes of one comment, with every word match and a Finnish explanation."""
    words = lemmatise(comment.text)
    matches: list[WordMatch] = []
    scores: dict[str, float] = {}
    for word in words:
        for theme in taxonomy.themes:
            match = _best_match(word, theme)
            if match is not None:
                matches.append(match)
                scores[theme.id] = round(scores.get(theme.id, 0.0) + match.weight, 4)
    order = {t.id: i for i, t in enumerate(taxonomy.themes)}
    scores = {t: scores[t] for t in sorted(scores, key=order.__getitem__)}
    eligible = sorted(
        (t for t, s in scores.items() if s >= taxonomy.options.min_score), key=lambda t: (-scores[t], order[t])
    )
    themes = eligible[: taxonomy.options.max_themes] or [OTHER_THEME_ID]
    unknown = list(dict.fromkeys(w.word for w in words if not w.known))
    return CommentAssignment(
        comment_id=comment.comment_id,
        row=comment.row,
        group=group,
        session=comment.session,
        date=comment.date,
        text=comment.text,
        themes=themes,
        scores=scores,
        matches=matches,
        unknown_words=unknown,
        explanation=_explain(matches, scores, themes, unknown, taxonomy),
        automatic_themes=themes,
        review=ReviewStatus.AUTOMATIC,
        proposals=proposal_sentences(comment.text),
    )


def apply_review(assignment: CommentAssignment, decision: ThemeDecision, taxonomy: ThemeTaxonomy) -> CommentAssignment:
    """The assignment with the preparer's themes: confirmed if they are the rules' themes (in any
    order), else corrected; the explanation says what the preparer decided."""
    themes = list(decision.themes)
    confirmed = set(themes) == set(assignment.automatic_themes)
    names = ", ".join(taxonomy.theme_name(t) for t in themes)
    if confirmed:
        sentence = f"Valmistelija vahvisti teemat ({decision.decided_by})."
        themes = list(assignment.automatic_themes)
    else:
        before = ", ".join(taxonomy.theme_name(t) for t in assignment.automatic_themes)
        sentence = f"Valmistelija korjasi teemat: {before} → {names} ({decision.decided_by})."
    if decision.note:
        sentence += f" Huomautus: {decision.note}"
    return assignment.model_copy(
        update={
            "themes": themes,
            "review": ReviewStatus.CONFIRMED if confirmed else ReviewStatus.CORRECTED,
            "decided_by": decision.decided_by,
            "review_note": decision.note,
            "explanation": f"{assignment.explanation} {sentence}",
        }
    )


def shorten_quote(text: str, limit: int) -> tuple[str, bool]:
    """``text`` verbatim if it fits in ``limit`` characters, else cut at a word boundary with " …"."""
    if len(text) <= limit:
        return text, False
    cut = text[: limit - 2]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:–-") + " …", True


#: Verbs whose indicative forms put a proposal or a demand ("tarvitaan", "toivomme", "kannattaa").
PROPOSAL_VERBS = frozenset({"tarvita", "toivoa", "kannattaa", "ehdottaa", "vaatia", "edellyttää", "haluta"})
#: "pitää" and "tulla" propose only in these forms ("pitää tehdä", "tulee ottaa"), not as "pidetty".
PROPOSAL_FORMS = frozenset({"pitää", "pitäisi", "tulee", "tulisi"})


def _proposal_word(word: str) -> bool:
    lower = word.lower()
    if lower in PROPOSAL_FORMS:
        return True
    with _LOCK:
        readings = _voikko().analyze(word)
    for reading in readings:
        if reading.get("MOOD") == "conditional":
            return True
        # An imperative that is not also a connegative ("ole", "näe" follow "ei"): "Jakakaa".
        if reading.get("MOOD") == "imperative" and reading.get("NEGATIVE") == "false":
            return True
        if reading.get("PARTICIPLE") == "present_passive" and lower.endswith(("ttava", "tava")):
            return True  # necessitive: "on tehostettava", "on turvattava"
        if (
            reading.get("BASEFORM") in PROPOSAL_VERBS
            and reading.get("MOOD") == "indicative"
            and reading.get("NEGATIVE") != "true"
        ):
            return True
    return False


def proposal_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that propose or demand something, verbatim, in text order.

    A sentence proposes if a word in it is in the conditional mood ("pitäisi", "voisi") or the
    imperative (not a connegative such as "ole": "Jakakaa"), a necessitive participle ("on tehostettava") or a finite form of a verb
    of wanting or needing (:data:`PROPOSAL_VERBS`; "pitää" and "tulla" only as "pitää", "tulee"
    and their conditionals). Sentences by Voikko's sentence splitter.
    """
    with _LOCK:
        pieces = [s.sentenceText.strip() for s in _voikko().sentences(text)]
    sentences: list[str] = []
    for piece in pieces:  # Voikko ends a sentence at a colon: keep "…: …" together
        if sentences and sentences[-1].endswith(":"):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s for s in sentences if s and any(_proposal_word(w) for w in tokenize(s))]


def _theme_score(assignment: CommentAssignment, theme_id: str) -> float:
    return assignment.scores.get(theme_id, 0.0)


def select_quotes(assignments: Sequence[CommentAssignment], theme_id: str, count: int, limit: int) -> list[Quote]:
    """The ``count`` most representative comments of a theme.

    Highest match score first; among equal scores a comment from a stakeholder group not yet
    quoted for the theme comes first (more distinct groups), then the lowest comment id.
    """
    remaining = sorted(
        (a for a in assignments if theme_id in a.themes),
        key=lambda a: (-_theme_score(a, theme_id), _natural_key(a.comment_id)),
    )
    chosen: list[CommentAssignment] = []
    quoted_groups: set[str] = set()
    while remaining and len(chosen) < count:
        top = _theme_score(remaining[0], theme_id)
        tier = [a for a in remaining if _theme_score(a, theme_id) == top]
        pick = next((a for a in tier if a.group not in quoted_groups), tier[0])
        chosen.append(pick)
        quoted_groups.add(pick.group)
        remaining.remove(pick)
    quotes = []
    for a in chosen:
        text, shortened = shorten_quote(a.text, limit)
        quotes.append(
            Quote(
                comment_id=a.comment_id,
                group=a.group,
                session=a.session,
                date=a.date,
                score=_theme_score(a, theme_id),
                text=text,
                shortened=shortened,
            )
        )
    return quotes


# ---------------------------------------------------------------------------------------------
# The synthesis.


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _counts(assignments: list[CommentAssignment], taxonomy: ThemeTaxonomy) -> CountsTable:
    theme_ids = taxonomy.theme_ids()
    rows = []
    for group in taxonomy.groups:
        own = [a for a in assignments if a.group == group.name]
        if not own:
            continue
        rows.append(
            GroupThemeCounts(
                group=group.name,
                by_theme={t: sum(1 for a in own if t in a.themes) for t in theme_ids},
                comments=len(own),
            )
        )
    return CountsTable(
        theme_ids=theme_ids,
        rows=rows,
        theme_totals={t: sum(1 for a in assignments if t in a.themes) for t in theme_ids},
        total_comments=len(assignments),
        multi_theme_comments=sum(1 for a in assignments if len(a.themes) > 1),
    )


def _sessions(assignments: list[CommentAssignment], taxonomy: ThemeTaxonomy) -> list[SessionSummary]:
    group_order = {g.name: i for i, g in enumerate(taxonomy.groups)}
    names = sorted(
        {a.session for a in assignments}, key=lambda s: (min(a.date for a in assignments if a.session == s), s)
    )
    out = []
    for name in names:
        own = [a for a in assignments if a.session == name]
        out.append(
            SessionSummary(
                session=name,
                dates=sorted({a.date for a in own}),
                groups=sorted({a.group for a in own}, key=group_order.__getitem__),
                comments=len(own),
            )
        )
    return out


def _fi_date(day: Any) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _count_word(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _and_list(items: Sequence[str]) -> str:
    """Finnish list: ``a``, ``a ja b``, ``a, b ja c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " ja " + items[-1]


def _method(taxonomy: ThemeTaxonomy, morphology: str, start: dt.date, review: bool) -> str:
    o = taxonomy.options
    reviewed = (
        "Valmistelija tarkisti kommenttien teemat ja vahvisti tai korjasi ne erillisessä tiedostossa; yhteenveto "
        "käyttää tarkistettuja teemoja, ja kunkin kommentin kohdalla kerrotaan, onko teema automaattinen, "
        "vahvistettu vai korjattu ja kuka sen päätti. "
        if review
        else "Valmistelija ei ole tarkistanut teemoja: kaikki teemat ovat avainsanasääntöjen antamia. "
    )
    return (
        "Kommenttien sanat tunnistettiin ja palautettiin perusmuotoon Voikko-morfologialla, ja yhdyssanoista "
        f"erotettiin myös osat (esim. pienyrittäjien → pienyrittäjä = pien + yrittäjä); käytössä {morphology}. "
        "Sana osuu teeman avainsanaan, jos jokin sen perusmuodoista on avainsana tai, osa-avainsanoilla, "
        "jos avainsana on yhdyssanan osa; Voikon tuntemattomat sanat verrattiin sanamuotoina. "
        "Teeman pisteet ovat osuneiden sanojen avainsanapainojen summa (oletuspaino 1, sana kerran teemaa "
        f"kohden). Kommenttiin liitetään teemat, joiden pisteet ovat vähintään {_number(o.min_score)}, "
        f"enintään {o.max_themes} suurimmat pisteet saanutta; teemoihin osumattomat kommentit ovat ryhmässä "
        f"{o.other_name}. Avainsanasäännöt vain ehdottavat teemoja. {reviewed}"
        "Kahteen teemaan liitetty kommentti lasketaan kummankin teeman kohdalle. Ehdotuksiksi poimittiin "
        "sanatarkasti lauseet, joissa on ehdotusta tai vaatimusta ilmaiseva muoto (konditionaali, imperatiivi, "
        "-ttava-muoto tai verbit pitää, tulla, tarvita, toivoa, kannattaa, ehdottaa, vaatia, edellyttää ja haluta). "
        "Erimielisyydet ja alueen vastineet ovat valmistelijan kirjoittamia. Lainaukset ovat teeman suurimmat "
        "pisteet saaneita kommentteja (tasapisteissä ensin eri sidosryhmät, sitten tunnisteen mukaan), "
        f"sanatarkasti; yli {o.quote_max_chars} merkin kommentit on lyhennetty sanan rajalta (…). Kierroksen "
        f"kuulemisjakso alkaa {_fi_date(start)}; sitä vanhemmat kommentit kuuluvat aiemman kierroksen "
        "kuulemiseen, ja ne on jätetty pois ja lueteltu."
    )


def _theme_proposals(assignments: Sequence[CommentAssignment], theme_id: str) -> list[Proposal]:
    """The proposal sentences of a theme's comments: the comments by the theme's quote order
    (score, then a group not yet listed, then id), every proposal sentence of each."""
    ordered = sorted(
        (a for a in assignments if theme_id in a.themes and a.proposals),
        key=lambda a: (-_theme_score(a, theme_id), _natural_key(a.comment_id)),
    )
    out: list[Proposal] = []
    seen: set[str] = set()
    while ordered:
        pick = next((a for a in ordered if a.group not in seen), ordered[0])
        ordered.remove(pick)
        seen.add(pick.group)
        out.extend(Proposal(comment_id=pick.comment_id, group=pick.group, text=t) for t in pick.proposals)
    return out


def synthesise_feedback(
    comments: list[FeedbackComment],
    taxonomy: ThemeTaxonomy,
    *,
    source_file: str,
    cycle: int,
    meeting_date: dt.date | None = None,
    review: Sequence[ThemeDecision] = (),
    review_file: str | None = None,
    responses: dict[str, ThemeResponseRow] | None = None,
    responses_file: str | None = None,
) -> FeedbackSynthesis:
    """Assign themes to every comment of the cycle, apply the preparer's review, and count, quote
    and narrate the feedback by theme.

    ``source_file`` is the feedback file's path as given (errors name it; the synthesis keeps its
    name only, so the hash does not depend on the machine). A file under a folder ``examples``
    is marked as example data (the document says *esimerkkiaineisto*). Comments are checked
    against the cycle (:func:`check_dates`). ``review`` is the preparer's decisions
    (:func:`read_theme_review`), ``responses`` the preparer's responses per theme
    (:func:`read_theme_responses`). Deterministic: the same inputs give the same synthesis.
    """
    if not comments:
        raise InputError("the feedback file has no comments", file=source_file)
    all_groups = canonical_groups(comments, taxonomy, source_file=source_file)
    kept, excluded = check_dates(
        comments, all_groups, cycle=cycle, meeting_date=meeting_date, taxonomy=taxonomy, source_file=source_file
    )
    comments = [comments[i] for i in kept]
    groups = [all_groups[i] for i in kept]
    morphology = morphology_version()
    decisions = {d.comment_id: d for d in review}
    assignments = []
    for comment, group in zip(comments, groups, strict=True):
        assignment = assign_themes(comment, group, taxonomy)
        decision = decisions.get(comment.comment_id)
        assignments.append(assignment if decision is None else apply_review(assignment, decision, taxonomy))
    assignments.sort(key=lambda a: _natural_key(a.comment_id))
    counts = _counts(assignments, taxonomy)
    total = len(assignments)
    group_order = {g.name: i for i, g in enumerate(taxonomy.groups)}
    options = taxonomy.options
    responses = responses or {}
    definitions: list[tuple[str, str, str, list[str], str]] = [
        (t.id, t.name, t.description, list(dict.fromkeys([*t.lemmas, *t.parts])), t.huomioiminen)
        for t in taxonomy.themes
    ]
    definitions.append(
        (
            OTHER_THEME_ID,
            options.other_name,
            "Kommentit, joiden yksikään sana ei osunut teemojen avainsanoihin.",
            [],
            options.other_huomioiminen,
        )
    )
    themes = []
    for theme_id, name, description, keywords, huomioiminen in definitions:
        own = [a for a in assignments if theme_id in a.themes]
        answer = responses.get(theme_id)
        themes.append(
            ThemeSummary(
                theme_id=theme_id,
                name=name,
                description=description,
                comments=len(own),
                share_percent=_share(len(own), total),
                groups=sorted({a.group for a in own}, key=group_order.__getitem__),
                sessions=len({a.session for a in own}),
                keywords=keywords,
                quotes=select_quotes(assignments, theme_id, options.quotes_per_theme, options.quote_max_chars),
                huomioiminen=huomioiminen,
                proposal_comments=sum(1 for a in own if a.proposals),
                proposals=_theme_proposals(assignments, theme_id),
                disagreements=answer.disagreements if answer else None,
                response=answer.response if answer else None,
                response_by=answer.written_by if answer else None,
            )
        )
    start = consultation_start(cycle, taxonomy)
    return FeedbackSynthesis(
        source_file=Path(source_file).name,
        example_data="examples" in Path(source_file).parts,
        taxonomy=taxonomy,
        morphology=morphology,
        method=_method(taxonomy, morphology, start, bool(review)),
        comments=total,
        groups=len(counts.rows),
        sessions=len({a.session for a in assignments}),
        first_date=min(a.date for a in assignments),
        last_date=max(a.date for a in assignments),
        counts=counts,
        session_table=_sessions(assignments, taxonomy),
        themes=themes,
        assignments=assignments,
        window_start=start,
        window_end=meeting_date,
        excluded=excluded,
        review_file=Path(review_file).name if review_file else None,
        responses_file=Path(responses_file).name if responses_file else None,
        confirmed=sum(1 for a in assignments if a.review is ReviewStatus.CONFIRMED),
        corrected=sum(1 for a in assignments if a.review is ReviewStatus.CORRECTED),
    )
