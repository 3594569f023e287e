"""`once`: a property computed on first access and kept on the instance, like `functools.cached_property`.

On Python 3.11 `cached_property` takes a lock on every first access; the tick reads two such properties of
3,000 snapshots per tick, so the lock alone was a measurable share of `decide`. This is the lock-free form
(3.12's own): a non-data descriptor whose value, once stored in the instance's `__dict__`, shadows it. Works
on frozen dataclasses, which forbid `setattr` but not writes to `__dict__`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class once(Generic[T]):  # noqa: N801 - used as a decorator, like property
    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]
        value = instance.__dict__[self.name] = self.func(instance)
        return value
