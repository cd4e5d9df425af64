"""Registries of models, benchmarks and stimulus sets, and plugin discovery.

A plugin folder's ``__init__.py`` only registers: ``models.register("logmel", LogMel)``.
Factories are called lazily, so listing plugins never loads weights or data. Plugins are found
by importing the packages named in the entry-point groups ``brainscore_audio.models`` and
``brainscore_audio.benchmarks`` (the in-repo folders are such packages too) and every subpackage
below them, and the plugin folders named in ``$BRAINSCORE_AUDIO_PLUGINS`` (folders that are not
installed, e.g. ``submissions/my_model`` after a non-editable ``pip install .``). Nothing is
discovered by scanning files for strings, and nothing is installed at import time.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import pkgutil
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from .errors import UnknownIdError

T = TypeVar("T")

ENTRY_POINT_GROUPS = ("brainscore_audio.models", "brainscore_audio.benchmarks")
#: Plugin folders that are not installed: ``os.pathsep``-separated paths, each a plugin folder
#: (holding ``__init__.py``) or a folder of plugin folders (e.g. ``submissions``).
PLUGINS_ENV = "BRAINSCORE_AUDIO_PLUGINS"


@dataclass
class Entry(Generic[T]):
    """One registered plugin.

    Attributes:
        identifier: the id users type.
        factory: called (with the registry's keyword arguments) to build the object.
        tags: free labels, e.g. ``{"builtin"}`` for models that need no download.
        plugin_dir: folder of the plugin that registered it (holds ``metadata.yaml``).
    """

    identifier: str
    factory: Callable[..., T]
    tags: frozenset[str] = frozenset()
    plugin_dir: Path | None = None
    registered_from: str = ""

    def metadata(self) -> dict[str, Any]:
        """The plugin's ``metadata.yaml`` as a dict (empty when there is none)."""
        if self.plugin_dir is None:
            return {}
        path = self.plugin_dir / "metadata.yaml"
        if not path.is_file():
            return {}
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}


@dataclass
class Registry(Generic[T]):
    """A mapping from identifier to plugin factory, with prefix families (``hf:<repo>``)."""

    kind: str
    list_name: str = ""  # what `benchmark list ...` calls this registry
    entries: dict[str, Entry[T]] = field(default_factory=dict)
    prefixes: dict[str, Entry[T]] = field(default_factory=dict)
    unknown_hint: str = ""  # appended to the unknown-id error

    def register(
        self,
        identifier: str,
        factory: Callable[..., T],
        *,
        tags: Iterable[str] = (),
        plugin_dir: str | Path | None = None,
        source: str | Path | None = None,
    ) -> None:
        """Register ``factory`` under ``identifier``.

        Registering the same id again from the same source file is a no-op (a module imported
        under two names, e.g. by a test runner); from another file it is an error. ``source``
        names that file when a helper registers on a plugin's behalf (default: the caller's).
        """
        caller = str(Path(source).resolve()) if source else _caller_file()
        if identifier in self.entries:
            if self.entries[identifier].registered_from == caller:
                return
            raise ValueError(
                f"{self.kind} id {identifier!r} registered twice: by "
                f"{self.entries[identifier].registered_from} and by {caller}"
            )
        self.entries[identifier] = Entry(
            identifier, factory, frozenset(tags),
            Path(plugin_dir) if plugin_dir else Path(caller).parent, caller,
        )

    def register_prefix(
        self, prefix: str, factory: Callable[..., T], *, plugin_dir: str | Path | None = None
    ) -> None:
        """Register a family: ``make(prefix + rest)`` calls ``factory(rest, **kwargs)``."""
        caller = _caller_file()
        if prefix in self.prefixes and self.prefixes[prefix].registered_from != caller:
            raise ValueError(f"{self.kind} prefix {prefix!r} registered twice")
        self.prefixes[prefix] = Entry(
            prefix, factory, frozenset(), Path(plugin_dir) if plugin_dir else Path(caller).parent,
            caller,
        )

    def ids(self, tag: str | None = None) -> list[str]:
        """Registered ids (sorted), optionally only those carrying ``tag``."""
        discover_plugins()
        return sorted(i for i, e in self.entries.items() if tag is None or tag in e.tags)

    def entry(self, identifier: str) -> Entry[T]:
        """The entry of ``identifier``; raises :class:`UnknownIdError` with close matches."""
        discover_plugins()
        if identifier in self.entries:
            return self.entries[identifier]
        for prefix, entry in self.prefixes.items():
            if identifier.startswith(prefix) and len(identifier) > len(prefix):
                return entry
        raise UnknownIdError(self._unknown_message(identifier))

    def make(self, identifier: str, **kwargs: Any) -> T:
        """Build the object registered as ``identifier``."""
        entry = self.entry(identifier)
        if entry.identifier == identifier:
            return entry.factory(**kwargs)
        return entry.factory(identifier[len(entry.identifier):], **kwargs)

    def __contains__(self, identifier: str) -> bool:
        try:
            self.entry(identifier)
        except UnknownIdError:
            return False
        return True

    def _unknown_message(self, identifier: str) -> str:
        known = list(self.entries)
        close = difflib.get_close_matches(identifier, known, n=4, cutoff=0.5)
        if not close:
            close = [k for k in known if identifier.lower() in k.lower()][:4]
        hint = f"; did you mean {', '.join(close)}?" if close else "."
        families = ", ".join(p + "..." for p in self.prefixes)
        prefixes = f" (or a family: {families})" if self.prefixes else ""
        return (f"unknown {self.kind} {identifier!r}{hint} "
                f"See `benchmark list {self.list_name or self.kind + 's'}`{prefixes}."
                + (f" {self.unknown_hint}" if self.unknown_hint else ""))


_FOLDER_HINT = (f"A plugin folder that is not installed (e.g. submissions/my_model after a "
                f"non-editable `pip install .`) is found when {PLUGINS_ENV} names it.")
models: Registry = Registry("model", unknown_hint=_FOLDER_HINT)
benchmarks: Registry = Registry("benchmark", unknown_hint=_FOLDER_HINT)
stimulus_sets: Registry = Registry("stimulus set", "stimulus-sets")
# Data set fetchers for ``benchmark fetch NAME``: factory(data_dir: Path, force: bool,
# url: str | None) -> Path of the ready data folder.
fetchers: Registry = Registry("dataset", "datasets")
# Published studies for ``benchmark reproduce STUDY``: factory() -> the study's
# :class:`~brainscore_audio.reproduce.recipe.Recipe` (a plugin ships the recipe file).
studies: Registry = Registry("study", "studies")

_discovered = False
plugin_import_errors: dict[str, str] = {}


def discover_plugins() -> None:
    """Import every plugin package named in the entry-point groups, once per process.

    A plugin that fails to import is skipped with a warning (its error is kept in
    :data:`plugin_import_errors`), so one broken third-party plugin cannot hide the others.
    """
    global _discovered
    if _discovered:
        return
    _discovered = True
    for group in ENTRY_POINT_GROUPS:
        for entry_point in importlib.metadata.entry_points(group=group):
            _import_plugin_tree(entry_point.value)
    for folder in plugin_folders_from_env():
        try:
            import_plugin_folder(folder)
        except Exception as exc:  # a broken plugin must not take the others down
            plugin_import_errors[str(folder)] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"plugin {folder} failed to import: {exc}", stacklevel=2)


def plugin_folders_from_env() -> list[Path]:
    """The plugin folders ``$BRAINSCORE_AUDIO_PLUGINS`` names, in order: each entry is a plugin
    folder (it holds ``__init__.py``) or a folder whose subfolders are plugin folders (names
    starting with ``_`` or ``.`` skipped, as in discovery).

    Raises:
        UserError: an entry that is not a folder, or a folder holding no plugin folder.
    """
    from .errors import UserError

    folders: list[Path] = []
    for entry in filter(None, os.environ.get(PLUGINS_ENV, "").split(os.pathsep)):
        path = Path(entry).expanduser()
        if (path / "__init__.py").is_file():
            folders.append(path)
            continue
        found = sorted(p for p in path.iterdir() if (p / "__init__.py").is_file()
                       and not p.name.startswith(("_", "."))) if path.is_dir() else []
        if not found:
            raise UserError(f"{PLUGINS_ENV}: {entry} is not a plugin folder (one holding "
                            "__init__.py) nor a folder of plugin folders")
        folders += found
    return folders


def discovered_packages() -> list:
    """The plugin packages the entry-point groups name (imported), e.g. the in-repo
    ``brainscore_audio_submissions``."""
    discover_plugins()
    names = {ep.value for group in ENTRY_POINT_GROUPS
             for ep in importlib.metadata.entry_points(group=group)}
    return [sys.modules[n] for n in sorted(names) if n in sys.modules]


def _import_plugin_tree(module_name: str) -> None:
    module = _import_quietly(module_name)
    if module is None or not hasattr(module, "__path__"):
        return
    for info in pkgutil.iter_modules(module.__path__):
        if info.ispkg and not info.name.startswith(("_", ".")):
            _import_quietly(f"{module_name}.{info.name}")


def _import_quietly(module_name: str):
    try:
        return importlib.import_module(module_name)
    except Exception as exc:  # a broken plugin must not take the others down
        plugin_import_errors[module_name] = f"{type(exc).__name__}: {exc}"
        warnings.warn(f"plugin {module_name} failed to import: {exc}", stacklevel=2)
        return None


def import_plugin_folder(path: str | Path) -> str:
    """Import a plugin folder that is not installed (e.g. a submission under review).

    Returns the module name it was imported as. The folder must hold an ``__init__.py``.

    Raises:
        UserError: not a plugin folder, or its import failed (the error in one line).
    """
    path = Path(path).resolve()
    init = path / "__init__.py"
    if not init.is_file():
        from .errors import UserError

        raise UserError(f"{path}: not a plugin folder (expected an __init__.py that registers)")
    name = f"_brainscore_audio_local_{path.name}"
    if name in sys.modules:
        return name
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(path)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        from .errors import UserError

        raise UserError(f"{path}: importing the plugin folder failed "
                        f"({type(exc).__name__}: {exc})") from exc
    return name


def _caller_file() -> str:
    """Resolved path of the source file that called ``register`` (two frames up)."""
    frame = inspect.currentframe()
    try:
        caller = frame.f_back.f_back  # register -> _caller_file; we want register's caller
        return str(Path(caller.f_code.co_filename).resolve())
    finally:
        del frame
