"""``RemovableHandle``: what ``register_*_hook`` returns, to unregister the hook later."""


class RemovableHandle:
    """``handle.remove()`` (or leaving a ``with handle:`` block) takes the hook out of its table(s)."""

    _next_id = 0

    def __init__(self, *hook_tables):
        self.hook_tables = hook_tables
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        for table in self.hook_tables:
            table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
