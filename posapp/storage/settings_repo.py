"""Settings every till and the store server share (the loyalty rules), as JSON text by key."""

from __future__ import annotations

from posapp.domain.clock import utcnow
from posapp.storage.models import SettingRow


class SettingsRepository:
    def get(self, key: str) -> str | None:
        row = SettingRow.get_or_none(SettingRow.key == key)
        return row.value if row else None

    def put(self, key: str, value: str) -> None:
        SettingRow.insert(key=key, value=value, updated_at=utcnow()).on_conflict(
            conflict_target=[SettingRow.key], update={SettingRow.value: value, SettingRow.updated_at: utcnow()}
        ).execute()
