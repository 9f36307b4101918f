"""CSDL (`$metadata`) parsing, OpenAPI generation for contract tests, and metadata drift reports."""

from .errors import MetadataError
from .model import CsdlModel
from .parser import parse_csdl

__all__ = ["CsdlModel", "MetadataError", "parse_csdl"]
