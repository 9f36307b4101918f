"""CSDL (`$metadata`) parsing, OpenAPI generation for contract tests, and metadata drift reports.

    model = parse_csdl("metadata.xml")            # path, bytes, XML text or binary file
    doc = to_openapi(model, "fno", ["CustomersV3"], "https://fo.example/data")
    report = diff_metadata(old_model, new_model)  # .to_json() / .to_text()
"""

from __future__ import annotations

from harness.lazy import lazy_exports

# name -> module: imported on first use (PEP 562), so `harness --help` does not pay for this package
_EXPORTS = {
    "Change": "harness.metadata.diff",
    "MetadataDiff": "harness.metadata.diff",
    "diff_metadata": "harness.metadata.diff",
    "MetadataError": "harness.metadata.errors",
    "OpenApiOptionError": "harness.metadata.errors",
    "CsdlModel": "harness.metadata.model",
    "to_openapi": "harness.metadata.openapi",
    "parse_csdl": "harness.metadata.parser",
}


__getattr__ = lazy_exports(globals(), _EXPORTS)


__all__ = [
    "Change",
    "CsdlModel",
    "MetadataDiff",
    "MetadataError",
    "OpenApiOptionError",
    "diff_metadata",
    "parse_csdl",
    "to_openapi",
]
