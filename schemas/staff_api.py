"""Wire models of the staff admin API (``extra="forbid"``): the service admin creates, lists,
resets and removes the staff accounts of an issuer or a verifier. A password goes in, never
out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

PASSWORD_RULE = "12-256 characters; stored only as an Argon2id hash, never shown again."


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateStaff(_Wire):
    username: str = Field(
        min_length=1,
        max_length=254,
        description="3-254 characters of a-z, 0-9 and . _ @ + - (compared in lower case); "
        "unique within the tenant.",
        examples=["karin.holm@yh-akademin.se"],
    )
    password: str = Field(
        min_length=1, max_length=256, description=PASSWORD_RULE, examples=["ett långt lösenord"]
    )
    display_name: str | None = Field(
        default=None,
        max_length=200,
        description="The name the pages show; the username when absent.",
        examples=["Karin Holm"],
    )


class ResetStaffPassword(_Wire):
    password: str = Field(
        min_length=1,
        max_length=256,
        description=PASSWORD_RULE,
        examples=["ett nytt långt lösenord"],
    )


class StaffAccount(_Wire):
    username: str = Field(examples=["karin.holm@yh-akademin.se"])
    display_name: str | None = Field(examples=["Karin Holm"])
    created_at: int = Field(description="Unix time", examples=[1795868624])


class StaffAccounts(_Wire):
    accounts: list[StaffAccount]
