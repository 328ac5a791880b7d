"""The ``.sops.yaml`` configuration: where it is, what it says, which rule applies."""

from ..errors import ConfigError, NoMatchingRule
from .loader import (
    CONFIG_ENV,
    CONFIG_FILE_NAME,
    config_path,
    find_config,
    load_config,
    parse_config,
)
from .model import (
    Config,
    CreationRule,
    DestinationRule,
    KeySpec,
    StoresConfig,
    compile_go_regex,
)

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE_NAME",
    "Config",
    "ConfigError",
    "CreationRule",
    "DestinationRule",
    "KeySpec",
    "NoMatchingRule",
    "StoresConfig",
    "compile_go_regex",
    "config_path",
    "find_config",
    "load_config",
    "parse_config",
]
