"""Decision documents: Jinja2 templates → HTML → tagged PDF/A-3a (WeasyPrint), plus governance config.

Public surface::

    render_document(template_name, context, *, metadata, attachments) -> RenderedDocument
    document_docx(spec) -> bytes | None            an agenda item's .docx (DOCX_MEDIA_TYPE)
    agenda_docx(item, *, metadata, labels, store_point) -> bytes
    render_html(template_name, context) -> str
    html_to_pdf(html, *, metadata, attachments) -> bytes
    get_environment() -> jinja2.Environment
    load_governance(region_code, stage, config_dir, case=None) -> StageGovernance
    appeal_instructions(kind, authority=, address=, court=) -> list[TextSection]
    fi_number, fi_percent, fi_date, fi_datetime
"""

from typing import TYPE_CHECKING, Any

from soteflow.documents.appeal import appeal_instructions
from soteflow.documents.formatting import fi_date, fi_datetime, fi_number, fi_percent
from soteflow.documents.governance import load_governance
from soteflow.documents.render import (
    DOCX_MEDIA_TYPE,
    DocumentRenderError,
    DocumentSpec,
    ForbiddenResourceError,
    RenderedDocument,
    TemplatesOnlyFetcher,
    get_environment,
    html_to_pdf,
    pdf_identifier,
    render_document,
    render_html,
)

if TYPE_CHECKING:
    from soteflow.documents.docx import agenda_docx, document_docx


def __getattr__(name: str) -> Any:
    """``agenda_docx`` and ``document_docx`` on first use: python-docx (and lxml's tree builder) take
    about a second to import, which the rendering processes and the commands that build no .docx
    should not pay."""
    if name in {"agenda_docx", "document_docx"}:
        from soteflow.documents import docx

        return getattr(docx, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DOCX_MEDIA_TYPE",
    "DocumentRenderError",
    "DocumentSpec",
    "ForbiddenResourceError",
    "RenderedDocument",
    "TemplatesOnlyFetcher",
    "agenda_docx",
    "appeal_instructions",
    "document_docx",
    "fi_date",
    "fi_datetime",
    "fi_number",
    "fi_percent",
    "get_environment",
    "html_to_pdf",
    "load_governance",
    "pdf_identifier",
    "render_document",
    "render_html",
]
