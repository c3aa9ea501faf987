"""Request and response shapes of the API (they make the OpenAPI document precise)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

Decision = Literal["malicious", "phishing_simulation", "spam", "clean"]
Level = Literal["clean", "suspicious", "malicious"]
Role = Literal["admin", "analyst", "reporter", "ingest", "auditor"]
Lang = Literal["en", "fr"]
NO_NUL = r"^[^\x00]*$"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class ReasonOut(BaseModel):
    code: str
    text: str
    weight: float
    source: str


class VerdictOut(BaseModel):
    verdict: Level
    score: float
    reasons: list[ReasonOut]
    findings: list[dict[str, Any]]
    rule_hits: list[dict[str, Any]]
    model_score: float | None
    timings_ms: dict[str, float]
    case_id: int | None = Field(None, description="The stored case (with ?store=true).")


class ReportOut(BaseModel):
    case_id: int
    report_id: int
    joined: bool = Field(description="True when the report joined an existing case.")
    campaign_id: int | None
    verdict: VerdictOut


class CaseSummary(BaseModel):
    id: int
    created_at: datetime
    received_at: datetime | None
    source: str
    status: str
    verdict: Level
    score: float
    lure_type: str
    subject: str
    sender: str
    sender_domain: str
    recipients: list[str]
    report_count: int
    first_reported_at: datetime | None
    priority: int
    decision: Decision | None
    quarantine: str
    campaign_id: int | None
    raw_purged: bool


class AddressOut(BaseModel):
    role: str
    address: str


class ReportRow(BaseModel):
    id: int
    reporter: str
    reported_at: datetime
    channel: str


class AuditOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    signed: bool


class CaseDetail(CaseSummary):
    reasons: list[ReasonOut]
    rule_hits: list[dict[str, Any]]
    model_score: float | None
    decision_comment: str | None
    decided_by: str | None
    decided_at: datetime | None
    addresses: list[AddressOut]
    reports: list[ReportRow]
    facts: dict[str, Any] | None = Field(description="The facts document; null once purged or for auditors.")
    audit: list[AuditOut]


class CasePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CaseSummary]


class DecisionIn(BaseModel):
    decision: Decision
    comment: str = Field("", max_length=5000)

    _clean = field_validator("comment")(classmethod(lambda cls, v: _no_nul(v)))


class CampaignSummary(BaseModel):
    id: int
    created_at: datetime
    updated_at: datetime
    title: str
    verdict: Level
    lure_type: str
    max_score: float
    case_count: int
    report_count: int
    reporter_count: int
    priority: int
    status: str
    decision: Decision | None


class CampaignDetail(CampaignSummary):
    cases: list[CaseSummary]


class CampaignPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CampaignSummary]


class CampaignDecisionOut(BaseModel):
    campaign: CampaignSummary
    cases_decided: int


class ProblemOut(BaseModel):
    seq: int
    kind: str
    message: str


class VerifyOut(BaseModel):
    ok: bool
    entries: int
    signed: int
    head_seq: int
    head_hash: str
    problem: ProblemOut | None


class TokenIn(BaseModel):
    role: Role
    name: str = Field("", max_length=100)
    days: int | None = Field(
        None, ge=0, le=3650, description="Expiry in days; 0 = never; default from config."
    )

    _clean = field_validator("name")(classmethod(lambda cls, v: _no_nul(v)))


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret, shown this once.")


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    scanner: Literal["ok", "unavailable"]
    detail: str = ""


class ErrorOut(BaseModel):
    error: str
    detail: str
