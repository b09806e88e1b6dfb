"""DCQL (OpenID4VP 1.0 §6, §7) against the npm ``dcql`` package (tests/interop/package.json).

Intyg's queries — those its verifier's request templates build, those its suites send, and the
published examples of OpenID4VP 1.0 — parse and validate with the npm package as with Intyg's
parser; a query both must refuse, both refuse. For credentials Intyg's issuer issued, the npm
package's evaluation and Intyg's matcher (``core.standards.dcql``) agree on which credentials
satisfy each credential query, which claim set each takes (§6.4.1), and whether the whole query
can be satisfied (§6.4.2) — including queries that nothing satisfies.
"""

from __future__ import annotations

import json

import pytest

from core.standards import dcql
from tests.e2e.test_one_process import QUERY as E2E_QUERY
from tests.interop import node
from tests.vectorpath import VECTORS
from tests.verifier.support import QUERY as VERIFIER_QUERY
from tests.verifier.support import VCT, Held, Roles
from tests.wallet.flows import QUERY as WALLET_QUERY
from verifier.service.templates import Requirement, build_query

EXAMPLES = VECTORS / "openid4vp-1.0" / "examples" / "query_lang"
REQUIRED, OPTIONAL = Requirement.REQUIRED, Requirement.OPTIONAL


def intyg_queries() -> dict[str, dict[str, object]]:
    templates = {
        "template_required_only": build_query(VCT, {"given_name": REQUIRED, "eqf_level": REQUIRED}),
        "template_with_optional": build_query(
            VCT,
            {
                "given_name": REQUIRED,
                "family_name": REQUIRED,
                "assessment_grade": OPTIONAL,
                "skills": OPTIONAL,
                "credits": OPTIONAL,
            },
        ),
    }
    suites = {"e2e": E2E_QUERY, "verifier": VERIFIER_QUERY, "wallet": WALLET_QUERY}
    examples = {f"oid4vp_example_{p.stem}": json.loads(p.read_text()) for p in EXAMPLES.glob("*")}
    assert len(examples) == 7, sorted(examples)  # every published example, mdoc ones too
    return {**templates, **suites, **examples}


def test_intyg_and_published_queries_parse_and_validate_with_npm_dcql() -> None:
    queries = intyg_queries()
    answers = node.run("dcql", [{"op": "parse", "query": q} for q in queries.values()])
    for (name, query), answer in zip(queries.items(), answers, strict=True):
        dcql.parse_query(query)  # Intyg's parser takes it too
        parsed = node.ok(answer)["parsed"]
        assert isinstance(parsed, dict), name
        ids = [c["id"] for c in parsed["credentials"]]  # type: ignore[index]
        assert ids == [c["id"] for c in query["credentials"]], name  # type: ignore[union-attr]


REFUSED = {
    # §6.1: a claim_sets entry names a claims query id that is not there
    "unknown_claim_id": {
        "credentials": [
            {
                "id": "skill",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": [{"id": "given", "path": ["given_name"]}],
                "claim_sets": [["given", "nobody"]],
            }
        ]
    },
    # §6.2: a credential set option names a credential query that is not there
    "unknown_credential_id": {
        "credentials": [{"id": "skill", "format": "dc+sd-jwt", "meta": {"vct_values": [VCT]}}],
        "credential_sets": [{"options": [["other"]]}],
    },
    # §6: credentials must be a non-empty array
    "no_credentials": {"credentials": []},
    # Not here: a dc+sd-jwt query whose meta lacks vct_values (App. B.3 REQUIRED), which
    # Intyg refuses and dcql 3.0.0 takes (tests/interop/README.md, differences).
}


def test_queries_that_intyg_refuses_npm_dcql_refuses_too() -> None:
    answers = node.run("dcql", [{"op": "parse", "query": q} for q in REFUSED.values()])
    for (name, query), answer in zip(REFUSED.items(), answers, strict=True):
        with pytest.raises(dcql.DcqlError):
            dcql.parse_query(query)
        assert node.refused(answer), name


def skill_query(query_id: str, *claims: dict[str, object], **extra: object) -> dict[str, object]:
    return {
        "id": query_id,
        "format": "dc+sd-jwt",
        "meta": {"vct_values": [VCT]},
        "claims": list(claims),
        **extra,
    }


GIVEN = {"id": "given", "path": ["given_name"]}
TOP_GRADE = {"id": "grade", "path": ["assessment_grade"], "values": ["VG"]}
SQL_SKILL = {
    "id": "sql",
    "path": ["skills", None, "id"],
    "values": ["https://data.jobtechdev.se/taxonomy/concept/GNpR_2DU_tpd"],
}
EXPIRY = {"id": "expiry", "path": ["date_of_expiry"]}  # no credential here has one

MATCHING = {
    "e2e_claim_sets": E2E_QUERY,
    "wallet_claim_sets_with_array_path": WALLET_QUERY,
    "template": build_query(VCT, {"given_name": REQUIRED, "assessment_grade": OPTIONAL}),
    # §6.3 values: only the credential graded VG
    "top_grade_only": {"credentials": [skill_query("skill", GIVEN, TOP_GRADE)]},
    # §6.4.1: the first claim set for VG, the second for the other
    "preferred_set_or_fallback": {
        "credentials": [
            skill_query("skill", GIVEN, TOP_GRADE, claim_sets=[["given", "grade"], ["given"]])
        ]
    },
    # §7.1.1: null selects every array element; values then match one of them
    "skill_in_array": {"credentials": [skill_query("skill", GIVEN, SQL_SKILL)]},
    # nothing satisfies: a claim no credential has; another vct
    "missing_claim": {"credentials": [skill_query("skill", GIVEN, EXPIRY)]},
    "other_vct": {
        "credentials": [
            {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:pid:1"]}}
        ]
    },
    # §6.4.2: a required set satisfied by its second option; an optional set by none
    "credential_sets": {
        "credentials": [
            skill_query("expiring", GIVEN, EXPIRY),
            skill_query("graded", TOP_GRADE),
            skill_query("named", GIVEN),
        ],
        "credential_sets": [
            {"options": [["expiring"], ["graded", "named"]]},
            {"options": [["expiring"]], "required": False},
        ],
    },
}


def intyg_matches(
    query: dcql.DcqlQuery, held: list[Held]
) -> tuple[bool, dict[str, list[tuple[int, int | None]]]]:
    candidates = [
        dcql.CandidateCredential(str(i), "dc+sd-jwt", h.verified.claims) for i, h in enumerate(held)
    ]
    evaluation = dcql.evaluate(query, candidates)
    by_id = {q.id: q for q in query.credentials}
    matches: dict[str, list[tuple[int, int | None]]] = {}
    for query_id, found in evaluation.matches.items():
        sets = by_id[query_id].claim_sets
        matches[query_id] = [
            (
                int(m.candidate.ref),
                None if sets is None else sets.index(m.match.selection.claim_set),  # type: ignore[arg-type]
            )
            for m in found
        ]
    return evaluation.satisfiable, matches


def test_npm_dcql_and_intyg_agree_on_which_issued_credentials_satisfy_each_query(
    roles: Roles,
) -> None:
    held = [roles.issue_one(), roles.issue_one(assessment_grade="G")]
    credentials = [
        {
            "credential_format": "dc+sd-jwt",
            "vct": h.verified.claims["vct"],
            "claims": h.verified.claims,
            "cryptographic_holder_binding": True,
        }
        for h in held
    ]
    answers = node.run(
        "dcql", [{"op": "match", "query": q, "credentials": credentials} for q in MATCHING.values()]
    )
    outcomes = {}
    for (name, query), answer in zip(MATCHING.items(), answers, strict=True):
        npm = node.ok(answer)
        satisfiable, matches = intyg_matches(dcql.parse_query(query), held)
        npm_matches = {
            query_id: [(m["index"], m["claim_set"]) for m in found]
            for query_id, found in npm["matches"].items()  # type: ignore[union-attr]
        }
        assert npm_matches == matches, name
        assert npm["can_be_satisfied"] is satisfiable, name
        outcomes[name] = (satisfiable, matches)
    # The agreement is about real outcomes, both ways.
    assert outcomes["e2e_claim_sets"] == (True, {"skill": [(0, 0), (1, 0)]})
    assert outcomes["top_grade_only"] == (True, {"skill": [(0, None)]})
    assert outcomes["preferred_set_or_fallback"] == (True, {"skill": [(0, 0), (1, 1)]})
    assert outcomes["skill_in_array"] == (True, {"skill": [(0, None), (1, None)]})
    assert outcomes["missing_claim"] == (False, {"skill": []})
    assert outcomes["other_vct"] == (False, {"pid": []})
    assert outcomes["credential_sets"] == (
        True,
        {"expiring": [], "graded": [(0, None)], "named": [(0, None), (1, None)]},
    )
