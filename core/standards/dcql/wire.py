"""A parsed DCQL query back in its wire form (OpenID4VP 1.0 §6)."""

from __future__ import annotations

from core.standards.dcql.parse import parse_query
from core.standards.dcql.query import (
    DEFAULT_LIMITS,
    ClaimsQuery,
    CredentialQuery,
    CredentialSetQuery,
    DcqlLimits,
    DcqlQuery,
    MdocMeta,
    SdJwtVcMeta,
)


def to_json(query: DcqlQuery, *, limits: DcqlLimits = DEFAULT_LIMITS) -> dict[str, object]:
    """The ``dcql_query`` JSON object, defaults left out, checked as a received one would be."""
    wire: dict[str, object] = {"credentials": [_credential_json(q) for q in query.credentials]}
    if query.credential_sets is not None:
        wire["credential_sets"] = [_set_json(s) for s in query.credential_sets]
    parse_query(wire, limits=limits)  # a hand-built DcqlQuery meets the rules a parsed one does
    return wire


def _credential_json(query: CredentialQuery) -> dict[str, object]:
    out: dict[str, object] = {"id": query.id, "format": query.format, "meta": _meta_json(query)}
    if query.multiple:
        out["multiple"] = True
    if query.trusted_authorities is not None:
        out["trusted_authorities"] = [
            {"type": t.type, "values": list(t.values)} for t in query.trusted_authorities
        ]
    if not query.require_cryptographic_holder_binding:
        out["require_cryptographic_holder_binding"] = False
    if query.claims is not None:
        out["claims"] = [_claim_json(claim) for claim in query.claims]
    if query.claim_sets is not None:
        out["claim_sets"] = [list(claim_set) for claim_set in query.claim_sets]
    return out


def _meta_json(query: CredentialQuery) -> dict[str, object]:
    meta = query.meta
    if isinstance(meta, SdJwtVcMeta):
        return {"vct_values": list(meta.vct_values)}
    if isinstance(meta, MdocMeta):
        return {"doctype_value": meta.doctype_value}
    return {"type_values": [list(types) for types in meta.type_values]}


def _claim_json(claim: ClaimsQuery) -> dict[str, object]:
    out: dict[str, object] = {}
    if claim.id is not None:
        out["id"] = claim.id
    out["path"] = list(claim.path)
    if claim.values is not None:
        out["values"] = list(claim.values)
    if claim.intent_to_retain is not None:
        out["intent_to_retain"] = claim.intent_to_retain
    return out


def _set_json(credential_set: CredentialSetQuery) -> dict[str, object]:
    out: dict[str, object] = {"options": [list(option) for option in credential_set.options]}
    if not credential_set.required:
        out["required"] = False
    return out
