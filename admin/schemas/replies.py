"""Replies to the person: typed by staff, or one of the saved replies in their language."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.json_schema import SkipJsonSchema

from handlers.actions.staff_replies import SavedReply
from models.text import LongText, SavedReplyKey


class ReplyCreate(BaseModel):
    """A message to the person on the ticket's channel: `text`, or a `saved_reply` by its key,
    which is sent in the ticket's language (see `GET /tickets/{ref}/saved-replies`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"text": "A food parcel will arrive on Friday morning. Is that OK?"},
                {"saved_reply": "phone_today"},
            ]
        }
    )

    text: LongText | SkipJsonSchema[None] = None
    saved_reply: SavedReplyKey | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _one_of_them(self) -> Self:
        if (self.text is None) == (self.saved_reply is None):
            raise ValueError("give either text or saved_reply")
        return self


class SavedReplyPublic(BaseModel):
    """One saved reply: its key, its words in the ticket's language, and in English."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    text: str
    english: str


class SavedRepliesPublic(BaseModel):
    """The saved replies for a ticket, in its language."""

    language: str
    items: list[SavedReplyPublic]

    @classmethod
    def of(cls, language: str, replies: list[SavedReply]) -> Self:
        """The library as the API shows it."""
        return cls(
            language=language,
            items=[SavedReplyPublic.model_validate(r, from_attributes=True) for r in replies],
        )
