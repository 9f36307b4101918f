"""CSDL (`$metadata`) parsing, OpenAPI generation for contract tests, and metadata drift reports.

    model = parse_csdl("metadata.xml")            # path, bytes, XML text or binary file
    doc = to_openapi(model, "fno", ["CustomersV3"], "https://fo.example/data")
    report = diff_metadata(old_model, new_model)  # .to_json() / .to_text()
"""

from .diff import Change, MetadataDiff, diff_metadata
from .errors import MetadataError, OpenApiOptionError
from .model import CsdlModel
from .openapi import to_openapi
from .parser import parse_csdl

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
