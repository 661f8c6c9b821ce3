"""A bounded pickle reader in pure Python, for files nobody vouches for.

A pickle is a program for a small stack machine: each opcode pushes a value, builds a container, or
(``GLOBAL`` + ``REDUCE``) imports a function and calls it. CPython's own unpickler runs that program
trusting the file: it may import anything, it sizes its memo table from the largest index the file
names (9 bytes can ask for 512 MB), and it reads whatever length a header declares. This reader runs
the same opcodes, but

- it imports nothing: ``GLOBAL`` asks ``find_class`` (given by the caller) for a stand-in, and only the
  callables ``find_class`` handed out may be called by ``REDUCE``;
- ``BUILD`` (``obj.__setstate__``) only fills an ``OrderedDict``'s attributes;
- every length is checked against the bytes really left in the input *before* anything is allocated;
- the memo is a dict (an index costs one entry, whatever its value); the stack, the memo, the
  containers and the nesting depth have limits, and every object made is charged (its
  ``sys.getsizeof``) to a byte budget that the caller derives from the file's size.

Anything outside these rules raises ``UnsafeFileError``; a pickle that is cut short or garbled raises
``CorruptFileError``. Both derive from ``CheckpointError`` and from the exceptions callers of
``pickle`` and ``torch.load`` already catch (``pickle.UnpicklingError``, ``ValueError``, ``RuntimeError``).
"""
import codecs
import collections
import pickle
import struct
import sys

__all__ = ["CheckpointError", "UnsafeFileError", "CorruptFileError", "Limits", "BoundedUnpickler", "check_tree",
           "PLAIN_GLOBALS", "numpy_arrays", "weights_only_refusal"]


class CheckpointError(pickle.UnpicklingError, ValueError, RuntimeError):
    """A file ``mt.load`` (or a dataset reader) refuses; the message names the file and the reason."""


class UnsafeFileError(CheckpointError):
    """The file asks for something a checkpoint never needs: an import, a call, a resource beyond its bounds."""


def weights_only_refusal(file, global_name, what="asks to import"):
    """The message refusing a checkpoint that holds a pickled object (``global_name``: its class or function).

    It begins as PyTorch's ``torch.load`` refusal does (its default ``weights_only=True`` refuses such
    a file too), then says what to do instead: here nothing ever unpickles code, at any setting.
    """
    return (f"Weights only load failed. mt.load: '{file}' {what} {global_name}, which is not part of a tensor "
            "checkpoint; refusing to run it. PyTorch's torch.load refuses it too by default (weights_only=True: "
            f"\"Unsupported global: GLOBAL {global_name} was not an allowed global by default\"), and minitorch_cnn "
            "never unpickles code at any setting: only tensors, numbers, strings and dicts/lists/tuples of them "
            "load. Save model.state_dict(), not the model, and restore it with "
            "model.load_state_dict(mt.load(path)).")


class CorruptFileError(CheckpointError):
    """The file is truncated, garbled or inconsistent (a bad manifest, a member that does not fit its tensor)."""


class Limits:
    """The bounds one read runs under.

    ``max_bytes`` is the budget for the Python objects the pickle makes (tensor data is bounded
    separately by the file's size); ``max_nodes`` bounds the tree with shared containers counted
    each time they appear (so a "billion laughs" tree of shared lists is refused, not expanded later);
    ``max_depth`` bounds both the MARK stack and the tree's nesting.
    """

    def __init__(self, max_bytes, max_memo=1_000_000, max_containers=1_000_000, max_depth=1000,
                 max_nodes=2_000_000):
        self.max_bytes, self.max_memo, self.max_containers = max_bytes, max_memo, max_containers
        self.max_depth, self.max_nodes = max_depth, max_nodes

    @classmethod
    def for_file(cls, file_size):
        """Objects may take the file's size plus 1 MiB: with the pickle's own bytes, twice the file plus 1 MiB."""
        return cls(max_bytes=int(file_size) + (1 << 20), max_nodes=max(2_000_000, 4 * int(file_size)))


class _Mark:
    """The MARK opcode's position on the stack (kept on a separate stack of positions)."""


class BoundedUnpickler:
    """Run one pickle from ``data`` (bytes) starting at ``pos``; ``load()`` returns the object, ``pos`` its end.

    Args:
        data: the bytes (a ``bytes``/``memoryview``; nothing past ``len(data)`` is ever read).
        name: how messages name the file.
        find_class: ``(module, name) -> object`` for ``GLOBAL``; raises ``UnsafeFileError`` to refuse.
            A callable it returns may be called by ``REDUCE`` (and an ``OrderedDict`` class by ``NEWOBJ``).
        persistent_load: ``pid -> object`` for ``PERSID``/``BINPERSID``, or None to refuse them.
        limits: a ``Limits``.
        encoding: how Python 2 ``str`` strings are decoded ('bytes' keeps them as bytes).
        build: ``(obj, state) -> bool`` for BUILD on objects other than an OrderedDict (True: done).
        op: the function messages name (``mt.load``, ``read_cifar_python``).
    """

    def __init__(self, data, name, find_class, persistent_load=None, limits=None, encoding="utf-8", pos=0,
                 build=None, op="mt.load"):
        self.data = data  # bytes, mmap or anything sliceable with a .find (a memoryview is wrapped)
        if not hasattr(data, "find"):
            self.data = bytes(data)
        self.name, self.find_class, self.persistent_load = name, find_class, persistent_load
        self.limits = limits or Limits.for_file(len(data))
        self.encoding, self.pos = encoding, pos
        self.stack, self.marks, self.memo = [], [], {}
        self.callables = {}  # id -> object handed out by find_class (kept alive so ids stay unique)
        self.spent, self.containers = 0, 0
        self.extra_build, self.op = build, op

    # ---------------------------------------------------------------------------------- errors
    def corrupt(self, reason):
        return CorruptFileError(f"{self.op}: '{self.name}' is truncated or corrupted: {reason}")

    def unsafe(self, reason):
        return UnsafeFileError(f"{self.op}: '{self.name}' is refused: {reason}")

    # ---------------------------------------------------------------------------------- input
    def read(self, n):
        """``n`` bytes, checked against what is left before anything is sliced."""
        if n < 0 or n > len(self.data) - self.pos:
            raise self.corrupt(f"a pickle opcode at byte {self.pos} wants {n} bytes, but only "
                               f"{len(self.data) - self.pos} are left")
        out = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return out

    def readline(self):
        """Up to the next newline (the text opcodes of protocol 0), at most 1 MiB."""
        end = self.data.find(b"\n", self.pos, self.pos + (1 << 20))
        if end < 0:
            raise self.corrupt(f"a text opcode at byte {self.pos} has no end of line")
        line = bytes(self.data[self.pos:end])
        self.pos = end + 1
        return line

    def unpack(self, fmt):
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, self.read(size))[0]

    # ---------------------------------------------------------------------------------- budget
    def charge(self, obj, extra=0):
        """Count ``obj``'s memory (and ``extra`` bytes) against the budget; return ``obj``."""
        self.spent += sys.getsizeof(obj) + extra
        if self.spent > self.limits.max_bytes:
            raise self.unsafe(f"its pickle makes more than {self.limits.max_bytes} bytes of Python objects, more "
                              "than a file of this size can legitimately hold")
        return obj

    def container(self, obj):
        self.containers += 1
        if self.containers > self.limits.max_containers:
            raise self.unsafe(f"its pickle makes more than {self.limits.max_containers} containers")
        return self.charge(obj)

    def push(self, obj):
        self.stack.append(obj)
        if len(self.stack) > self.limits.max_containers:
            raise self.unsafe(f"its pickle stack grows past {self.limits.max_containers} entries")

    def pop(self):
        if not self.stack or (self.marks and len(self.stack) <= self.marks[-1]):
            raise self.corrupt(f"a pickle opcode before byte {self.pos} pops an empty stack")
        return self.stack.pop()

    def top(self):
        if not self.stack or (self.marks and len(self.stack) <= self.marks[-1]):
            raise self.corrupt(f"a pickle opcode before byte {self.pos} reads an empty stack")
        return self.stack[-1]

    def pop_mark(self):
        """The items pushed since the last MARK."""
        if not self.marks:
            raise self.corrupt(f"a pickle opcode before byte {self.pos} needs a MARK")
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    # ---------------------------------------------------------------------------------- memo
    def memo_put(self, index):
        if index not in self.memo and len(self.memo) >= self.limits.max_memo:
            raise self.unsafe(f"its pickle memo grows past {self.limits.max_memo} entries")
        self.memo[index] = self.top()
        self.charge(index, 72)  # the key and its dict slot

    def memo_get(self, index):
        if index not in self.memo:
            raise self.corrupt(f"its pickle refers to memo entry {index}, which was never stored")
        self.push(self.memo[index])

    # ---------------------------------------------------------------------------------- strings
    def py2_string(self, raw):
        if self.encoding == "bytes":
            return self.charge(raw)
        try:
            return self.charge(raw.decode(self.encoding))
        except UnicodeDecodeError as e:
            raise self.corrupt(f"a string does not decode as {self.encoding} ({e})") from None

    def text(self, raw):
        try:
            return self.charge(raw.decode("utf-8", "surrogatepass"))
        except UnicodeDecodeError as e:
            raise self.corrupt(f"a string is not UTF-8 ({e})") from None

    # ---------------------------------------------------------------------------------- calls
    def handed_out(self, obj):
        return self.callables.get(id(obj)) is obj

    def global_(self, module, name):
        obj = self.find_class(module, name)
        self.callables[id(obj)] = obj
        self.push(obj)

    def reduce(self):
        args = self.pop()
        func = self.pop()
        if not (self.handed_out(func) and callable(func)):
            raise self.unsafe(f"its pickle calls {type(func).__name__} object, which is not one of the rebuild "
                              "functions a checkpoint may call")
        if not isinstance(args, tuple):
            raise self.corrupt(f"its pickle calls {getattr(func, '__name__', func)!r} with {type(args).__name__} "
                               "arguments instead of a tuple")
        try:
            result = func(*args)
        except CheckpointError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, OverflowError, AttributeError) as e:
            raise self.corrupt(f"its pickle calls {getattr(func, '__name__', func)!r} with arguments it rejects "
                               f"({e})") from None
        self.push(self.charge(result))

    def build(self):
        state = self.pop()
        inst = self.top()
        if self.extra_build is not None and type(inst) is not collections.OrderedDict and self.extra_build(inst, state):
            return
        if type(inst) is not collections.OrderedDict:
            raise self.unsafe(f"its pickle sets the state of a {type(inst).__name__} (BUILD); only an OrderedDict's "
                              "attributes (a state_dict's _metadata) may be set")
        if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
            state = state[0]
        if not (isinstance(state, dict) and all(isinstance(k, str) for k in state)):
            raise self.unsafe(f"its pickle sets an OrderedDict's state to a {type(state).__name__}, not a dict of "
                              "attribute names")
        inst.__dict__.update(state)

    # ---------------------------------------------------------------------------------- the loop
    def load(self):
        """Run opcodes until STOP; return the object on top of the stack."""
        dispatch, data, end = _DISPATCH, self.data, len(self.data)
        while True:
            start = self.pos
            if start >= end:
                raise self.corrupt(f"its pickle ends at byte {start} without a STOP")
            op = data[start]  # an int, for bytes, bytearray and mmap alike
            self.pos = start + 1
            handler = dispatch.get(op)
            if handler is None:
                if op in _REFUSED:
                    raise self.unsafe(f"its pickle uses opcode {_REFUSED[op]} at byte {start}, which a checkpoint "
                                      "never needs (it imports or calls objects, or reads outside the file)")
                raise self.corrupt(f"its pickle has an unknown opcode {bytes([op])!r} at byte {start}")
            if handler(self) is _STOP:
                break
        if len(self.stack) != 1 or self.marks:
            raise self.corrupt("its pickle stops with a malformed stack")
        return self.stack.pop()


_STOP = object()


def _setitems(u, items):
    target = u.top()
    if len(items) % 2:
        raise u.corrupt("SETITEMS has an odd number of items")
    if not isinstance(target, dict):
        raise u.corrupt(f"SETITEM(S) into a {type(target).__name__}")
    for k, v in zip(items[::2], items[1::2]):
        try:
            target[k] = v
        except TypeError as e:
            raise u.corrupt(f"a dict key is not hashable ({e})") from None
        u.spent += 48


def _appends(u, items):
    target = u.top()
    if not isinstance(target, list):
        raise u.corrupt(f"APPEND(S) onto a {type(target).__name__}")
    target.extend(items)
    u.charge(None, 8 * len(items))


def _additems(u, items):
    target = u.top()
    if not isinstance(target, set):
        raise u.corrupt(f"ADDITEMS onto a {type(target).__name__}")
    try:
        target.update(items)
    except TypeError as e:
        raise u.corrupt(f"a set item is not hashable ({e})") from None
    u.charge(None, 32 * len(items))


def _tuple(u, items):
    u.push(u.container(tuple(items)))


def _int_line(u):
    line = u.readline()
    if line in (b"00", b"01"):
        return u.push(line == b"01")
    try:
        u.push(u.charge(int(line)))
    except ValueError:
        raise u.corrupt(f"INT {line[:40]!r} is not a number") from None


def _long_line(u):
    line = u.readline().rstrip(b"L")
    if len(line) > 10000:
        raise u.unsafe("a LONG has more than 10000 digits")
    try:
        u.push(u.charge(int(line)))
    except ValueError:
        raise u.corrupt(f"LONG {line[:40]!r} is not a number") from None


def _float_line(u):
    try:
        u.push(u.charge(float(u.readline())))
    except ValueError:
        raise u.corrupt("FLOAT is not a number") from None


def _quoted(u):
    line = u.readline().rstrip()
    if len(line) < 2 or line[0] != line[-1] or line[:1] not in (b"'", b'"'):
        raise u.corrupt("STRING is not quoted")
    try:
        raw = codecs.escape_decode(line[1:-1])[0]
    except ValueError as e:
        raise u.corrupt(f"STRING has a bad escape ({e})") from None
    u.push(u.py2_string(raw))


def _unicode_line(u):
    try:
        u.push(u.charge(u.readline().decode("raw-unicode-escape")))
    except UnicodeDecodeError as e:
        raise u.corrupt(f"UNICODE has a bad escape ({e})") from None


def _long_n(u, fmt):
    n = u.unpack(fmt)
    if n > 100_000:
        raise u.unsafe(f"a LONG of {n} bytes")
    u.push(u.charge(int.from_bytes(u.read(n), "little", signed=True)))


def _global_line(u):
    module = u.readline().decode("utf-8", "replace")
    name = u.readline().decode("utf-8", "replace")
    u.global_(module, name)


def _stack_global(u):
    name, module = u.pop(), u.pop()
    if not (isinstance(module, str) and isinstance(name, str)):
        raise u.corrupt("STACK_GLOBAL needs two strings")
    u.global_(module, name)


def _persid(u, pid):
    if u.persistent_load is None:
        raise u.unsafe("its pickle holds a persistent id where none is allowed")
    u.push(u.persistent_load(pid))


def _newobj(u):
    args, cls = u.pop(), u.pop()
    if not (u.handed_out(cls) and cls is collections.OrderedDict and args == ()):
        raise u.unsafe(f"its pickle creates a {getattr(cls, '__name__', type(cls).__name__)} object (NEWOBJ); "
                       "only an empty OrderedDict may be created that way")
    u.push(u.container(collections.OrderedDict()))


def _mark(u):
    u.marks.append(len(u.stack))
    if len(u.marks) > u.limits.max_depth:
        raise u.unsafe(f"its pickle nests deeper than {u.limits.max_depth} levels")
    u.charge(None, 8)


def _frame(u):
    u.unpack("<Q")  # frames only group opcodes; the bytes are read as they come


def _proto(u):
    if u.unpack("<B") > 5:
        raise u.corrupt("pickle protocol above 5")


def _pop(u):
    if u.stack and (not u.marks or len(u.stack) > u.marks[-1]):
        u.stack.pop()
    else:
        u.pop_mark()


def _dup(u):
    u.push(u.top())


def _memo_index(u, raw):
    try:
        return int(raw)
    except ValueError:
        raise u.corrupt(f"memo index {raw[:20]!r} is not a number") from None


def _stop(u):
    return _STOP


_DISPATCH = {
    pickle.PROTO: _proto,
    pickle.FRAME: _frame,
    pickle.STOP: _stop,
    pickle.NONE: lambda u: u.push(None),
    pickle.NEWTRUE: lambda u: u.push(True),
    pickle.NEWFALSE: lambda u: u.push(False),
    pickle.INT: _int_line,
    pickle.BININT: lambda u: u.push(u.charge(u.unpack("<i"))),
    pickle.BININT1: lambda u: u.push(u.unpack("<B")),
    pickle.BININT2: lambda u: u.push(u.charge(u.unpack("<H"))),
    pickle.LONG: _long_line,
    pickle.LONG1: lambda u: _long_n(u, "<B"),
    pickle.LONG4: lambda u: _long_n(u, "<i"),
    pickle.FLOAT: _float_line,
    pickle.BINFLOAT: lambda u: u.push(u.charge(u.unpack(">d"))),
    pickle.STRING: _quoted,
    pickle.BINSTRING: lambda u: u.push(u.py2_string(u.read(u.unpack("<i")))),
    pickle.SHORT_BINSTRING: lambda u: u.push(u.py2_string(u.read(u.unpack("<B")))),
    pickle.UNICODE: _unicode_line,
    pickle.BINUNICODE: lambda u: u.push(u.text(u.read(u.unpack("<I")))),
    pickle.SHORT_BINUNICODE: lambda u: u.push(u.text(u.read(u.unpack("<B")))),
    pickle.BINUNICODE8: lambda u: u.push(u.text(u.read(u.unpack("<Q")))),
    pickle.BINBYTES: lambda u: u.push(u.charge(u.read(u.unpack("<I")))),
    pickle.SHORT_BINBYTES: lambda u: u.push(u.charge(u.read(u.unpack("<B")))),
    pickle.BINBYTES8: lambda u: u.push(u.charge(u.read(u.unpack("<Q")))),
    pickle.BYTEARRAY8: lambda u: u.push(u.charge(bytearray(u.read(u.unpack("<Q"))))),
    pickle.EMPTY_LIST: lambda u: u.push(u.container([])),
    pickle.EMPTY_DICT: lambda u: u.push(u.container({})),
    pickle.EMPTY_TUPLE: lambda u: u.push(()),
    pickle.EMPTY_SET: lambda u: u.push(u.container(set())),
    pickle.MARK: _mark,
    pickle.LIST: lambda u: u.push(u.container(u.pop_mark())),
    pickle.TUPLE: lambda u: _tuple(u, u.pop_mark()),
    pickle.TUPLE1: lambda u: _tuple(u, [u.pop()]),
    pickle.TUPLE2: lambda u: _tuple(u, [u.pop() for _ in range(2)][::-1]),
    pickle.TUPLE3: lambda u: _tuple(u, [u.pop() for _ in range(3)][::-1]),
    pickle.DICT: lambda u: _dict_from_mark(u),
    pickle.FROZENSET: lambda u: _frozenset(u),
    pickle.APPEND: lambda u: _appends(u, [u.pop()]),
    pickle.APPENDS: lambda u: _appends(u, u.pop_mark()),
    pickle.SETITEM: lambda u: _setitems(u, [u.pop() for _ in range(2)][::-1]),
    pickle.SETITEMS: lambda u: _setitems(u, u.pop_mark()),
    pickle.ADDITEMS: lambda u: _additems(u, u.pop_mark()),
    pickle.POP: _pop,
    pickle.POP_MARK: lambda u: u.pop_mark(),
    pickle.DUP: _dup,
    pickle.GET: lambda u: u.memo_get(_memo_index(u, u.readline())),
    pickle.BINGET: lambda u: u.memo_get(u.unpack("<B")),
    pickle.LONG_BINGET: lambda u: u.memo_get(u.unpack("<I")),
    pickle.PUT: lambda u: u.memo_put(_memo_index(u, u.readline())),
    pickle.BINPUT: lambda u: u.memo_put(u.unpack("<B")),
    pickle.LONG_BINPUT: lambda u: u.memo_put(u.unpack("<I")),
    pickle.MEMOIZE: lambda u: u.memo_put(len(u.memo)),
    pickle.GLOBAL: _global_line,
    pickle.STACK_GLOBAL: _stack_global,
    pickle.REDUCE: lambda u: u.reduce(),
    pickle.BUILD: lambda u: u.build(),
    pickle.NEWOBJ: _newobj,
    pickle.PERSID: lambda u: _persid(u, u.readline().decode("ascii", "replace")),
    pickle.BINPERSID: lambda u: _persid(u, u.pop()),
}


_DISPATCH = {op[0]: handler for op, handler in _DISPATCH.items()}  # keyed by the opcode's byte value


def _dict_from_mark(u):
    items = u.pop_mark()
    u.push(u.container({}))
    _setitems(u, items)


def _frozenset(u):
    items = u.pop_mark()
    try:
        u.push(u.container(frozenset(items)))
    except TypeError as e:
        raise u.corrupt(f"a frozenset item is not hashable ({e})") from None


_REFUSED = {pickle.INST[0]: "INST", pickle.OBJ[0]: "OBJ", pickle.EXT1[0]: "EXT1", pickle.EXT2[0]: "EXT2", pickle.EXT4[0]: "EXT4",
            pickle.NEWOBJ_EX[0]: "NEWOBJ_EX", pickle.NEXT_BUFFER[0]: "NEXT_BUFFER",
            pickle.READONLY_BUFFER[0]: "READONLY_BUFFER"}

_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def _empty_bytes():
    """``bytes()``: how protocols 0-2 write ``b''`` (no argument, so no size to ask for)."""
    return b""


def _latin1_bytes(text, encoding):
    """``_codecs.encode(text, 'latin1')``: how protocols 0-2 write ``bytes`` (never longer than ``text``)."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise TypeError(f"_codecs.encode({type(text).__name__}, {encoding!r}) is not how a pickle writes bytes")
    return text.encode("latin1")


def _container_of(kind):
    def build(items=()):
        if not isinstance(items, (list, tuple)):
            raise TypeError(f"{kind.__name__} of a {type(items).__name__}")
        return kind(items)

    build.__name__ = kind.__name__
    return build


def _complex(real=0.0, imag=0.0):
    if not (isinstance(real, (int, float)) and isinstance(imag, (int, float))):
        raise TypeError("complex of non-numbers")
    return complex(real, imag)


# The globals that protocols 0-3 use for plain values, each mapped to a function that cannot allocate
# more than its (already read) arguments.
PLAIN_GLOBALS = {
    ("_codecs", "encode"): _latin1_bytes,
    ("__builtin__", "bytes"): _empty_bytes, ("builtins", "bytes"): _empty_bytes,
    ("__builtin__", "set"): _container_of(set), ("builtins", "set"): _container_of(set),
    ("__builtin__", "frozenset"): _container_of(frozenset), ("builtins", "frozenset"): _container_of(frozenset),
    ("__builtin__", "complex"): _complex, ("builtins", "complex"): _complex,
}


def check_tree(obj, name, leaf_types=(), limits=None, op="mt.load"):
    """Refuse ``obj`` unless it is plain values, ``leaf_types`` and dicts/lists/tuples/sets of them.

    A shared container counts each time it appears, so a tree whose expansion is huge (a "billion
    laughs" of shared lists, which ``print`` or ``np.asarray`` would expand) is refused here; so is a
    container inside itself and a tree nested deeper than ``limits.max_depth`` (recursive code such
    as ``print`` breaks on it). Each container is visited once: its expanded size and depth are kept.
    """
    limits = limits or Limits(max_bytes=0)
    done = {}  # id(container) -> (expanded node count, depth)
    open_ = set()  # ids of the containers whose children are being measured
    todo = [(obj, False)]
    while todo:
        node, children_done = todo.pop()
        if isinstance(node, _PLAIN) or isinstance(node, leaf_types):
            continue
        key = id(node)
        if key in done and not children_done:
            continue
        children = _children(node, name, op)
        if not children_done:
            if key in open_:
                raise UnsafeFileError(f"{op}: '{name}' is refused: its object tree holds a "
                                      f"{type(node).__name__} inside itself")
            open_.add(key)
            todo.append((node, True))
            todo.extend((child, False) for child in children)
            continue
        open_.discard(key)
        count, depth = 1, 0
        for child in children:
            c, d = done.get(id(child), (1, 0))
            count, depth = count + c, max(depth, d + 1)
        if count > limits.max_nodes:
            raise UnsafeFileError(f"{op}: '{name}' is refused: its object tree expands (shared containers "
                                  f"counted each time they appear) past {limits.max_nodes} entries")
        if depth > limits.max_depth:
            raise UnsafeFileError(f"{op}: '{name}' is refused: its object tree nests deeper than "
                                  f"{limits.max_depth} levels")
        done[key] = (count, depth)


def _children(node, name, op):
    """A container's keys and values (and an OrderedDict's attributes); anything else is refused."""
    if type(node) in (dict, collections.OrderedDict):
        extra = list(vars(node).values()) if type(node) is collections.OrderedDict else []
        return [*node.keys(), *node.values(), *extra]
    if type(node) in (list, tuple, set, frozenset):
        return list(node)
    raise UnsafeFileError(f"{op}: '{name}' is refused: it holds a {type(node).__module__}."
                          f"{type(node).__qualname__} object; a checkpoint holds only tensors, numbers, "
                          "strings and dicts/lists/tuples of them")


# ------------------------------------------------------------------------------- NumPy arrays (datasets)
def numpy_arrays(name, op):
    """``(find_class, build)`` that let a pickle rebuild numeric NumPy arrays (as CIFAR's batches hold) and no more.

    NumPy pickles an array as ``_reconstruct(ndarray, (0,), b'b')`` then BUILD with
    ``(version, shape, dtype, is_fortran, raw bytes)``; a dtype as ``dtype('u1', False, True)`` then
    BUILD with its byte order. Both states are checked (a numeric dtype; exactly the bytes the shape
    needs) before NumPy's own ``__setstate__`` sees them; an object array is refused.
    """
    import numpy as np

    ndarray_marker = object()

    def refuse(reason):
        return UnsafeFileError(f"{op}: '{name}' is refused: {reason}")

    def reconstruct(cls, shape, typecode):
        if cls is not ndarray_marker:
            raise refuse("it rebuilds an array of a class other than numpy.ndarray")
        return np.ndarray((0,), np.uint8)

    def dtype(spec, align=False, copy=False):
        if not isinstance(spec, str) or len(spec) > 8:
            raise refuse(f"it names a NumPy dtype {spec!r:.40}")
        try:
            made = np.dtype(spec)
        except TypeError:
            raise refuse(f"it names an unknown NumPy dtype {spec!r:.40}") from None
        if made.kind not in "biuf":
            raise refuse(f"it holds a NumPy array of dtype {made} (an object or structured array), not numbers")
        return np.dtype(spec, copy=True)

    def check_size(shape, kind, data):
        """An array's bytes must be exactly those its shape and dtype need."""
        numel = 1
        for n in shape:
            numel *= n
        if numel * kind.itemsize != len(data):
            raise CorruptFileError(f"{op}: '{name}' is truncated or corrupted: a NumPy array of shape {list(shape)} "
                                   f"and dtype {kind} has {len(data)} bytes")

    def build(inst, state):
        if isinstance(inst, np.dtype):
            if not (isinstance(state, tuple) and len(state) == 8 and state[0] == 3 and state[1] in "<>|="
                    and state[2:5] == (None, None, None)):
                raise refuse(f"it sets a NumPy dtype's state to {state!r:.60}")
            inst.__setstate__(state)
            return True
        if isinstance(inst, np.ndarray) and inst.size == 0 and inst.dtype == np.uint8:
            if not (isinstance(state, tuple) and len(state) == 5 and isinstance(state[2], np.dtype)
                    and isinstance(state[1], tuple) and all(type(n) is int and n >= 0 for n in state[1])):
                raise refuse("it sets a NumPy array's state to something other than (version, shape, dtype, "
                             "fortran, bytes)")
            version, shape, kind, fortran, raw = state
            if isinstance(raw, str):
                raw = raw.encode("latin1")
            if not isinstance(raw, bytes):
                raise refuse(f"it holds a NumPy array whose data is a {type(raw).__name__}, not bytes")
            check_size(shape, kind, raw)
            inst.__setstate__((version, shape, kind, bool(fortran), raw))
            return True
        return False

    def frombuffer(buffer, kind, shape, order):
        """Protocol 5's form: ``_frombuffer(bytes, dtype, shape, order)``, checked like BUILD's state."""
        if not (isinstance(buffer, (bytes, bytearray)) and isinstance(kind, np.dtype) and kind.kind in "biuf"
                and isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape) and order in "CF"):
            raise refuse("it rebuilds a NumPy array from something other than numeric bytes")
        check_size(shape, kind, buffer)
        return np.frombuffer(buffer, kind).reshape(shape, order=order)

    allowed = {("numpy", "ndarray"): ndarray_marker, ("numpy", "dtype"): dtype, **PLAIN_GLOBALS}
    for package in ("numpy.core", "numpy._core"):  # files pickled by NumPy 1 or 2 name either
        allowed[(f"{package}.multiarray", "_reconstruct")] = reconstruct
        allowed[(f"{package}.numeric", "_frombuffer")] = frombuffer

    def find_class(module, attr):
        if (module, attr) not in allowed:
            raise refuse(f"refusing to load {module}.{attr}: a data batch holds only dicts, lists, bytes and "
                         "numeric NumPy arrays")
        return allowed[(module, attr)]

    return find_class, build
