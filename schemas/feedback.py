"""Stage 3 co-development: the synthesis of stakeholder feedback (*Yhteenveto sidosryhmien lausunnoista*).

The models of the theme taxonomy (configuration), one stakeholder comment as read from the
feedback file, the preparer's theme review and per-theme responses (optional files), the
explainable theme assignment of each comment, the counts by stakeholder group and theme, the
sessions table, representative quotes, and each theme's narrative: the proposals made, the
disagreements and the region's response.

Pure pydantic: no Prefect, no database. Shares are rounded to one decimal and scores to four by
the code that builds these models, so the canonical JSON and its hash are stable. Field
descriptions are the labels users see (Prefect UI, JSON Schema).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.tabular import FiDate, Text

SCHEMA_VERSION = 2

#: The id of the catch-all theme of comments that match no configured theme.
OTHER_THEME_ID = "muu"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- configuration: data/config/feedback_themes.toml ------------------------------------------------


class ThemeDefinition(_Model):
    """One feedback theme of the taxonomy and the keywords that identify it.

    ``lemmas`` match a word whose base form (lemma) is the keyword: "kustannus" matches
    "kustannuksia", "kustannusten". ``parts`` match the base form *or any part of a compound*:
    "yrittäjä" matches "yrittäjien" and "pienyrittäjien" (pien + yrittäjä). Keywords are written
    in base form, lower case.
    """

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="Teeman tunniste (a–z, 0–9, -)")
    name: str = Field(min_length=1, description="Teeman nimi suomeksi")
    description: str = Field(default="", description="Teeman kuvaus")
    lemmas: list[str] = Field(default_factory=list, description="Avainsanat perusmuodossa (koko sana)")
    parts: list[str] = Field(
        default_factory=list, description="Avainsanat, jotka osuvat myös yhdyssanan osaan (perusmuodossa)"
    )
    weights: dict[str, float] = Field(
        default_factory=dict, description="Avainsanojen painot (oletus 1); avain on avainsana"
    )
    huomioiminen: str = Field(default="", description="Miten tätä teemaa koskeva palaute otetaan huomioon")

    @model_validator(mode="after")
    def _keywords(self) -> ThemeDefinition:
        if not self.lemmas and not self.parts:
            raise ValueError("a theme needs at least one keyword in lemmas or parts")
        keywords = set(self.lemmas) | set(self.parts)
        for word in keywords:
            if not word or word != word.strip().lower() or " " in word:
                raise ValueError(f"keyword {word!r} must be one lower-case word in base form")
        unknown = sorted(set(self.weights) - keywords)
        if unknown:
            raise ValueError(f"weights name keywords the theme does not have: {', '.join(unknown)}")
        if any(w <= 0 for w in self.weights.values()):
            raise ValueError("keyword weights must be positive")
        return self

    def weight(self, keyword: str) -> float:
        """The weight of ``keyword`` (1 unless configured)."""
        return self.weights.get(keyword, 1.0)


class StakeholderGroup(_Model):
    """A stakeholder group (sidosryhmä): its canonical name and the spellings accepted in files."""

    name: str = Field(min_length=1, description="Sidosryhmän vakiintunut nimi")
    aliases: list[str] = Field(default_factory=list, description="Hyväksytyt kirjoitusasut (kirjainkoko ei ratkaise)")


class TaxonomyOptions(_Model):
    """How themes are assigned and quoted."""

    min_score: float = Field(default=1.0, gt=0, description="Pienin pistemäärä, jolla teema liitetään kommenttiin")
    max_themes: int = Field(default=3, ge=1, description="Enintään näin monta teemaa kommenttia kohden")
    quotes_per_theme: int = Field(default=2, ge=0, description="Edustavia lainauksia teemaa kohden")
    quote_max_chars: int = Field(
        default=300, ge=40, description="Lainauksen enimmäispituus merkkeinä; pidempi lyhennetään sanan rajalta"
    )
    other_name: str = Field(default="Muu palaute", description="Teemoihin osumattomien kommenttien ryhmän nimi")
    other_huomioiminen: str = Field(default="", description="Miten teemoihin osumaton palaute otetaan huomioon")
    consultation_years_before_cycle: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Kierroksen kuulemisjakso alkaa sen vuoden 1.1., joka on näin monta vuotta ennen kierroksen "
        "vuotta (oletus 2: kierroksen 2026 jakso alkaa 1.1.2024); sitä vanhemmat kommentit jätetään pois",
    )
    proposals_in_item: int = Field(
        default=2, ge=0, description="Ehdotuslainauksia teemaa kohden esityslistan tekstissä (kaikki liitteessä)"
    )


class ThemeTaxonomy(_Model):
    """The theme taxonomy of the feedback synthesis (configuration, not code)."""

    themes: list[ThemeDefinition] = Field(min_length=1, description="Teemat esitysjärjestyksessä")
    groups: list[StakeholderGroup] = Field(min_length=1, description="Sidosryhmät esitysjärjestyksessä")
    options: TaxonomyOptions = Field(default_factory=TaxonomyOptions, description="Asetukset")

    @model_validator(mode="after")
    def _unique(self) -> ThemeTaxonomy:
        ids = [t.id for t in self.themes]
        if len(set(ids)) != len(ids):
            raise ValueError("theme ids must be unique")
        if OTHER_THEME_ID in ids:
            raise ValueError(f"theme id {OTHER_THEME_ID!r} is reserved for comments that match no theme")
        spellings: dict[str, str] = {}
        for group in self.groups:
            for spelling in [group.name, *group.aliases]:
                key = " ".join(spelling.split()).lower()
                if key in spellings and spellings[key] != group.name:
                    raise ValueError(f"spelling {spelling!r} belongs to two groups: {spellings[key]}, {group.name}")
                spellings[key] = group.name
        return self

    def theme_name(self, theme_id: str) -> str:
        """The Finnish name of a theme id (including the catch-all "muu")."""
        if theme_id == OTHER_THEME_ID:
            return self.options.other_name
        return next(t.name for t in self.themes if t.id == theme_id)

    def theme_ids(self) -> list[str]:
        """All theme ids in order, the catch-all last."""
        return [*(t.id for t in self.themes), OTHER_THEME_ID]


# -- input: one row of lausunnot.csv ------------------------------------------------------------------


class FeedbackRow(_Model):
    """One row of the feedback file ``kommentti_id;päivämäärä;tilaisuus;sidosryhmä;kommentti``."""

    comment_id: Text = Field(alias="kommentti_id", description="Kommentin tunniste (yksilöllinen)")
    date: FiDate = Field(alias="päivämäärä", description="Tilaisuuden tai kommentin päivämäärä (p.k.vvvv)")
    session: Text = Field(alias="tilaisuus", description="Tilaisuus tai kanava, jossa kommentti annettiin")
    group: Text = Field(alias="sidosryhmä", description="Sidosryhmä kuten tiedostossa")
    text: Text = Field(alias="kommentti", description="Kommentti sanatarkasti")


class ThemeReviewRow(_Model):
    """One row of the optional review file ``lausunnot_teemat.csv``: the preparer confirms or corrects a
    comment's themes. ``teema`` names one theme or several separated by commas (id or name)."""

    comment_id: Text = Field(alias="kommentti_id", description="Kommentin tunniste (lausunnot.csv)")
    themes: Text = Field(alias="teema", description="Teema tai teemat pilkuin eroteltuina (tunniste tai nimi)")
    decided_by: Text = Field(alias="päättäjä", description="Kuka teeman vahvisti tai korjasi")
    note: Text | None = Field(default=None, alias="huomautus", description="Perustelu tai huomautus (valinnainen)")


class ThemeResponseRow(_Model):
    """One row of the optional file ``lausunnot_vastineet.csv``: the region's response to a theme's
    feedback and the disagreements the preparer recorded, written by the preparer."""

    theme: Text = Field(alias="teema", description="Teema (tunniste tai nimi)")
    disagreements: Text | None = Field(
        default=None, alias="erimielisyydet", description="Sidosryhmien erimielisyydet teemassa (valinnainen)"
    )
    response: Text = Field(alias="vastine", description="Hyvinvointialueen vastine: miten palaute otetaan huomioon")
    written_by: Text = Field(alias="laatija", description="Vastineen laatija")


class FeedbackComment(_Model):
    """A stakeholder comment as read, with its row number in the file (for errors found later)."""

    row: int = Field(ge=1, description="Rivinumero tiedostossa (otsikkorivi on 1)")
    comment_id: str = Field(description="Kommentin tunniste")
    date: dt.date = Field(description="Päivämäärä")
    session: str = Field(description="Tilaisuus")
    group: str = Field(description="Sidosryhmä kuten tiedostossa")
    text: str = Field(description="Kommentti sanatarkasti")


# -- output: the synthesis ------------------------------------------------------------------------------


class MatchKind(StrEnum):
    """How a word matched a keyword."""

    #: The word's base form (lemma) is the keyword.
    BASEFORM = "perusmuoto"
    #: A part of the compound word is the keyword.
    COMPOUND_PART = "yhdyssanan osa"
    #: Voikko does not know the word; its lower-cased form is the keyword.
    WORD_FORM = "tuntematon sana, sanamuoto"


class ReviewStatus(StrEnum):
    """Who settled a comment's themes."""

    #: Only the keyword rules: the preparer has not reviewed the comment.
    AUTOMATIC = "automaattinen"
    #: The preparer reviewed the comment and kept the rules' themes.
    CONFIRMED = "vahvistettu"
    #: The preparer reviewed the comment and changed its themes.
    CORRECTED = "korjattu"


class WordMatch(_Model):
    """One step of the explanation: word form → lemma (→ compound part) → keyword → theme."""

    word: str = Field(description="Sana kommentissa sellaisenaan")
    lemma: str = Field(description="Perusmuoto (Voikko) tai tuntemattoman sanan pienaakkosmuoto")
    kind: MatchKind = Field(description="Osuman laji: perusmuoto, yhdyssanan osa tai tuntematon sana")
    keyword: str = Field(description="Taksonomian avainsana")
    theme_id: str = Field(description="Teema, jonka avainsana on")
    weight: float = Field(description="Avainsanan paino")


class CommentAssignment(_Model):
    """The theme assignment of one comment and why it was made (explainable, deterministic)."""

    comment_id: str = Field(description="Kommentin tunniste")
    row: int = Field(description="Rivinumero lähdetiedostossa")
    group: str = Field(description="Sidosryhmä (vakiintunut nimi)")
    session: str = Field(description="Tilaisuus")
    date: dt.date = Field(description="Päivämäärä")
    text: str = Field(description="Kommentti sanatarkasti")
    themes: list[str] = Field(description="Liitetyt teemat pistejärjestyksessä; 'muu', jos mikään ei osunut")
    scores: dict[str, float] = Field(description="Pisteet teemoittain (vain teemat, joihin osui)")
    matches: list[WordMatch] = Field(description="Osumat sana sanalta tekstin järjestyksessä")
    unknown_words: list[str] = Field(description="Sanat, joita Voikko ei tunne (verrattu sanamuotona)")
    explanation: str = Field(description="Perustelu suomeksi: miksi kommentti liitettiin teemoihin")
    automatic_themes: list[str] = Field(description="Avainsanasääntöjen antamat teemat ennen valmistelijan tarkistusta")
    review: ReviewStatus = Field(description="Teemojen peruste: automaattinen, vahvistettu tai korjattu")
    decided_by: str | None = Field(default=None, description="Kuka teemat vahvisti tai korjasi")
    review_note: str | None = Field(default=None, description="Valmistelijan huomautus")
    proposals: list[str] = Field(description="Kommentin ehdotuslauseet sanatarkasti (ehdotusta ilmaiseva muoto)")


class ExcludedComment(_Model):
    """A comment left out of the synthesis because it is dated before the cycle's consultation period."""

    comment_id: str = Field(description="Kommentin tunniste")
    row: int = Field(description="Rivinumero lähdetiedostossa")
    date: dt.date = Field(description="Päivämäärä")
    group: str = Field(description="Sidosryhmä")
    session: str = Field(description="Tilaisuus")


class GroupThemeCounts(_Model):
    """One row of the counts table: a stakeholder group's comments by theme."""

    group: str = Field(description="Sidosryhmä")
    by_theme: dict[str, int] = Field(description="Kommentteja teemoittain (teeman tunniste → määrä)")
    comments: int = Field(description="Sidosryhmän kommentit yhteensä (kukin kerran)")


class CountsTable(_Model):
    """Comments counted by stakeholder group × theme.

    A comment with two themes counts under both, so a row's theme counts may sum to more than the
    group's comments, and the theme totals to more than all comments.
    """

    theme_ids: list[str] = Field(description="Sarakkeet: teemat järjestyksessä, 'muu' viimeisenä")
    rows: list[GroupThemeCounts] = Field(description="Rivit: sidosryhmät taksonomian järjestyksessä")
    theme_totals: dict[str, int] = Field(description="Kommentteja teemoittain yhteensä")
    total_comments: int = Field(description="Kommentteja yhteensä (kukin kerran)")
    multi_theme_comments: int = Field(description="Kommentit, jotka liitettiin useampaan kuin yhteen teemaan")


class SessionSummary(_Model):
    """One row of the sessions table."""

    session: str = Field(description="Tilaisuus")
    dates: list[dt.date] = Field(description="Päivämäärät")
    groups: list[str] = Field(description="Läsnä olleet sidosryhmät (kommentoineet)")
    comments: int = Field(description="Kommenttien määrä")


class Quote(_Model):
    """A representative comment quoted verbatim (shortened at a word boundary if long)."""

    comment_id: str = Field(description="Kommentin tunniste")
    group: str = Field(description="Sidosryhmä")
    session: str = Field(description="Tilaisuus")
    date: dt.date = Field(description="Päivämäärä")
    score: float = Field(description="Teeman pisteet kommentissa")
    text: str = Field(description="Lainaus sanatarkasti")
    shortened: bool = Field(description="Lainausta on lyhennetty (…)")


class Proposal(_Model):
    """A proposal sentence of a comment, quoted verbatim."""

    comment_id: str = Field(description="Kommentin tunniste")
    group: str = Field(description="Sidosryhmä")
    text: str = Field(description="Ehdotuslause sanatarkasti")


class ThemeSummary(_Model):
    """One theme's share of the feedback, its quotes and its narrative: the proposals, the
    disagreements and the region's response (the last two written by the preparer)."""

    theme_id: str = Field(description="Teeman tunniste")
    name: str = Field(description="Teeman nimi")
    description: str = Field(description="Teeman kuvaus")
    comments: int = Field(description="Teemaan liitetyt kommentit")
    share_percent: float = Field(description="Osuus kaikista kommenteista, % (1 desimaali)")
    groups: list[str] = Field(description="Sidosryhmät, joiden kommentteja teemassa on")
    sessions: int = Field(description="Tilaisuuksien määrä, joissa teema nousi esiin")
    keywords: list[str] = Field(description="Teeman avainsanat")
    quotes: list[Quote] = Field(description="Edustavat lainaukset")
    huomioiminen: str = Field(description="Teeman vakiintunut käsittely prosessissa (teemaluokitus)")
    proposal_comments: int = Field(description="Teeman kommentit, joissa on ehdotuslause")
    proposals: list[Proposal] = Field(description="Teeman ehdotuslauseet kommenteittain")
    disagreements: str | None = Field(description="Valmistelijan kirjaamat erimielisyydet (None: ei kirjattu)")
    response: str | None = Field(description="Hyvinvointialueen vastine (None: vastine puuttuu)")
    response_by: str | None = Field(description="Vastineen laatija")


class FeedbackSynthesis(_Model):
    """The synthesis of stakeholder feedback: counts, sessions, themes, quotes, explanations."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    source_file: str = Field(description="Palautetiedoston nimi")
    example_data: bool = Field(description="Aineisto on esimerkkiaineistoa (data/examples)")
    taxonomy: ThemeTaxonomy = Field(description="Käytetty teemaluokitus")
    morphology: str = Field(description="Morfologinen analyysi (työkalu ja sanakirja)")
    method: str = Field(description="Menetelmän kuvaus")
    comments: int = Field(description="Kommentteja")
    groups: int = Field(description="Eri sidosryhmiä")
    sessions: int = Field(description="Eri tilaisuuksia")
    first_date: dt.date = Field(description="Ensimmäinen päivämäärä")
    last_date: dt.date = Field(description="Viimeinen päivämäärä")
    counts: CountsTable = Field(description="Kommentit sidosryhmittäin ja teemoittain")
    session_table: list[SessionSummary] = Field(description="Sidosryhmät ja tilaisuudet")
    themes: list[ThemeSummary] = Field(description="Teemat, 'muu palaute' viimeisenä")
    assignments: list[CommentAssignment] = Field(description="Jokaisen kommentin teemat ja perustelut")
    window_start: dt.date = Field(description="Kierroksen kuulemisjakson alku (tätä vanhemmat jätetään pois)")
    window_end: dt.date | None = Field(description="Kuulemisjakson loppu: kokouspäivä, jos annettu")
    excluded: list[ExcludedComment] = Field(description="Kuulemisjaksoa vanhemmat, pois jätetyt kommentit")
    review_file: str | None = Field(description="Valmistelijan teematarkistuksen tiedosto (None: ei annettu)")
    responses_file: str | None = Field(description="Vastineiden tiedosto (None: ei annettu)")
    confirmed: int = Field(description="Kommentit, joiden teemat valmistelija vahvisti")
    corrected: int = Field(description="Kommentit, joiden teemat valmistelija korjasi")


class FeedbackFigures(_Model):
    """The feedback document's figures as inline SVG (generated by soteflow.charts)."""

    theme_totals_svg: str = Field(description="Kommentit teemoittain (SVG)")
    by_group_svgs: list[str] = Field(
        description="Kommentit sidosryhmittäin ja teemoittain, ryhmitelty pylväskuvio (enintään 6 teemaa kuviota kohden)"
    )
