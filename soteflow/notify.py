"""The notification of pending decisions: the shipped automation, bound to the block the settings name.

``automations/decision-awaited.yaml`` is the automation (trigger: ``soteflow.decision.awaited``;
action: send a notification with the stage, region, cycle, body, meeting date and the run's link).
Its block is resolved here: ``SOTEFLOW_NOTIFY_BLOCK`` names an existing notification block
(``<block-type-slug>/<name>``, e.g. an email block made in the UI), otherwise a Custom Webhook block
``soteflow-decisions`` is saved from ``SOTEFLOW_NOTIFY_WEBHOOK_URL`` (the message is POSTed as JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import yaml

from soteflow.errors import InputError
from soteflow.settings import PROJECT_ROOT, get_settings

__all__ = ["AUTOMATION_FILE", "WEBHOOK_BLOCK", "automation", "create_automation", "notification_block_id"]

AUTOMATION_FILE = PROJECT_ROOT / "automations" / "decision-awaited.yaml"
WEBHOOK_BLOCK = "soteflow-decisions"
_PLACEHOLDER = "SET-BY-SOTEFLOW-NOTIFICATIONS"


def notification_block_id() -> UUID:
    """The id of the notification block the settings name (the webhook's block is saved first)."""
    from prefect.blocks.core import Block
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    settings = get_settings()
    if settings.notify_block:
        try:
            block: Any = Block.load(settings.notify_block)
        except ValueError as exc:
            raise InputError(f"SOTEFLOW_NOTIFY_BLOCK {settings.notify_block!r}: {exc}") from None
        return UUID(str(block._block_document_id))
    if not settings.notify_webhook_url:
        raise InputError("set SOTEFLOW_NOTIFY_WEBHOOK_URL (a webhook) or SOTEFLOW_NOTIFY_BLOCK (an existing block)")
    webhook = CustomWebhookNotificationBlock(
        name=WEBHOOK_BLOCK,
        url=settings.notify_webhook_url,
        method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}", "name": "{{name}}"},
        # A webhook inside the organisation's network (or on this machine) is the usual case.
        allow_private_urls=True,
    )
    return UUID(str(webhook.save(WEBHOOK_BLOCK, overwrite=True)))


def automation(block_id: UUID | str) -> dict[str, Any]:
    """The shipped automation with its notification block set."""
    text = AUTOMATION_FILE.read_text(encoding="utf-8").replace(_PLACEHOLDER, str(block_id))
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def write_automation(path: Path, block_id: UUID | str) -> Path:
    """Write the automation for ``prefect automation create -f PATH``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(automation(block_id), sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def create_automation(block_id: UUID | str) -> UUID:
    """Create (or replace, by name) the automation on the server of ``PREFECT_API_URL``; its id."""
    from prefect.client.orchestration import get_client
    from prefect.events.schemas.automations import AutomationCore

    core = AutomationCore.model_validate(automation(block_id))
    with get_client(sync_client=True) as client:
        for existing in client.read_automations_by_name(core.name):
            client.delete_automation(existing.id)
        created: UUID = client.create_automation(core)
    return created
