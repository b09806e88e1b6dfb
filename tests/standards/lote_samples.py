"""ETSI TS 119 602 LoTE samples built in tests, shaped like the lists read in the sources of
``core.standards.lote`` (DIGG's wallet-ecosystem list, the Commission's PID providers list):
names, casing and nesting as there; ``ServiceSupplyPoints`` as the JSON schema defines them.
Signed by hand, so that any header (no ``typ``, ``x5c`` only, ``kid`` only) can be made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from core import jose
from core import x509 as X
from core.standards import lote

GRANTED = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
PUB_EAA_LIST = "http://uri.etsi.org/19602/LoTEType/EUPubEAAProvidersList"


def iso(numeric_date: int) -> str:
    return dt.datetime.fromtimestamp(numeric_date, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def multilang(text: str, lang: str = "en") -> list[dict[str, str]]:
    return [{"lang": lang, "value": text}]


def service(
    *,
    certificates: Sequence[str],
    supply_points: Sequence[str] = (),
    service_type: str = lote.SVC_PUB_EAA_ISSUANCE,
    name: str = "Utfärdande",
    **extra: object,
) -> dict[str, object]:
    info: dict[str, object] = {
        "ServiceName": multilang(name),
        "ServiceDigitalIdentity": {"X509Certificates": [{"val": c} for c in certificates]},
        "ServiceTypeIdentifier": service_type,
        "ServiceStatus": GRANTED,
    }
    if supply_points:
        info["ServiceSupplyPoints"] = [{"uriValue": url} for url in supply_points]
    info.update(extra)
    return {"ServiceInformation": info}


def entity(name: str, *services: Mapping[str, object], sv: str | None = None) -> dict[str, object]:
    names = multilang(name) + (multilang(sv, "sv") if sv else [])
    return {
        "TrustedEntityInformation": {
            "TEName": names,
            "TEAddress": {
                "TEPostalAddress": [{"lang": "en", "StreetAddress": "Box 1", "Country": "SE"}],
                "TEElectronicAddress": [{"lang": "en", "uriValue": "mailto:info@example.se"}],
            },
            "TEInformationURI": [{"lang": "en", "uriValue": "https://www.example.se"}],
        },
        "TrustedEntityServices": list(services),
    }


def document(
    entities: Sequence[Mapping[str, object]],
    *,
    issued_at: int,
    next_update: int,
    sequence: int = 1,
    **scheme: object,
) -> dict[str, object]:
    information: dict[str, object] = {
        "LoTEVersionIdentifier": 1,
        "LoTESequenceNumber": sequence,
        "LoTEType": PUB_EAA_LIST,
        "SchemeOperatorName": multilang("Agency for Digital Government")
        + multilang("Myndigheten för digital förvaltning", "sv"),
        "SchemeName": multilang("Test LoTE"),
        "SchemeTerritory": "SE",
        "ListIssueDateTime": iso(issued_at),
        "NextUpdate": iso(next_update),
    }
    information.update(scheme)
    return {
        "LoTE": {"ListAndSchemeInformation": information, "TrustedEntitiesList": list(entities)}
    }


def sign(payload: Mapping[str, object], key: jose.PrivateKey, header: Mapping[str, object]) -> str:
    """A compact JWS with exactly ``header`` (plus ``alg``), as DIGG's script writes it."""
    protected = jose.b64url_encode(jose.compact_json({"alg": key.alg, **header}))
    signing_input = f"{protected}.{jose.b64url_encode(jose.compact_json(payload))}"
    return f"{signing_input}.{jose.b64url_encode(key.sign(signing_input.encode()))}"


def signer_x5c(key: jose.PrivateKey, now: int) -> list[str]:
    """A self-signed certificate for the operator's key, as the JWS ``x5c`` names it."""
    certificate, _ = X.create_dev_ca("Trust Source (test)", now, key=key)
    return X.x5c_chain([certificate])
