"""nn.Module: registration, naming, state_dict, loading, modes, device/dtype moves, hooks, repr."""
import copy
from collections import OrderedDict

import numpy as np
import pytest
from conftest import requires_torch
from hypothesis import given
from hypothesis import strategies as st
from nn_helpers import copy_to_torch

import minitorch_cnn as mt
from minitorch_cnn import nn


def build_net(nn, zeros):
    """The same nested model in torch.nn or minitorch_cnn.nn: buffers, None bias, containers, a tied weight."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, bias=False)
            self.bn = nn.BatchNorm2d(4)
            self.register_buffer("step", zeros(1))
            self.register_buffer("cache", zeros(2), persistent=False)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([Block(), Block()])
            self.scale = nn.Parameter(zeros(1))
            self.heads = nn.ModuleDict({"cls": nn.Linear(4, 2), "box": nn.Linear(4, 4)})
            self.seq = nn.Sequential(OrderedDict(relu=nn.ReLU(), fc=nn.Linear(2, 2)))
            self.again = self.seq  # the same module twice
            self.extra = nn.Linear(4, 2)
            self.extra.weight = self.heads["cls"].weight  # a tied parameter

    return Net()


def mt_net():
    return build_net(nn, mt.zeros)


def torch_net():
    import torch

    return build_net(torch.nn, torch.zeros)


@requires_torch
def test_names_and_order_match_torch():
    ours, theirs = mt_net(), torch_net()
    for method in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(ours, method)()] == [n for n, _ in getattr(theirs, method)()], method
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in ours.named_parameters(prefix="model", recurse=False)] == ["model.scale"]
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    assert [tuple(v.shape) for v in ours_sd.values()] == [tuple(v.shape) for v in theirs_sd.values()]
    assert ours_sd["blocks.0.bn.num_batches_tracked"].dtype == mt.int64
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 14


def test_shared_parameter_listed_once_and_state_dict_shares_memory():
    net = mt_net()
    params = list(net.parameters())
    assert len(params) == len({id(p) for p in params})
    assert net.extra.weight is net.heads["cls"].weight
    sd = net.state_dict()
    assert not sd["scale"].requires_grad and sd["scale"]._data is net.scale._data  # detached, no copy
    assert net.state_dict(keep_vars=True)["scale"] is net.scale


def test_attribute_assignment_registers_and_replaces():
    m = nn.Module()
    m.w = nn.Parameter(mt.ones(2))
    m.child = nn.Linear(2, 2)
    m.register_buffer("buf", mt.zeros(2))
    assert list(m._parameters) == ["w"] and list(m._modules) == ["child"] and list(m._buffers) == ["buf"]
    m.buf = mt.ones(3)  # assigning a tensor to a buffer name updates the buffer
    assert m._buffers["buf"].shape == (3,)
    m.w = None  # a parameter slot may be emptied ...
    assert m.w is None and list(m.parameters()) == list(m.child.parameters())
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = mt.ones(2)  # ... but not filled with a plain tensor
    m.child = nn.Parameter(mt.ones(1))  # a new kind of value moves the name to the new table
    assert "child" not in m._modules and "child" in m._parameters
    del m.child, m.buf
    assert not hasattr(m, "child") and not hasattr(m, "buf")
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nothing'"):
        m.nothing


def test_registration_errors():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mt.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()
    m = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="attribute 'in_features' already exists"):
        m.register_buffer("in_features", mt.zeros(1))
    with pytest.raises(KeyError, match=r'contain "\.", got: a.b'):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="cannot assign 'list' object to buffer 'b'"):
        m.register_buffer("b", [1, 2])
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'p'"):
        m.register_parameter("p", _non_leaf_parameter())
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        nn.Module()(1)


def _non_leaf_parameter():
    p = nn.Parameter(mt.ones(2))
    p.grad_fn = object()  # what an op output would carry
    return p


def test_parameter_is_a_leaf_tensor_sharing_memory():
    t = mt.ones(2, 3)
    p = nn.Parameter(t)
    assert isinstance(p, mt.Tensor) and p.requires_grad and p.is_leaf and p._data is t._data
    assert repr(p).startswith("Parameter containing:\ntensor([[1., 1., 1.],")
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad and q._data is not p._data
    np.testing.assert_array_equal(q._data, p._data)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(mt.tensor([1, 2]))


@requires_torch
def test_load_state_dict_round_trip_copies_in_place():
    src, dst = mt_net(), mt_net()
    params_before = list(dst.parameters())
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert all(a is b for a, b in zip(dst.parameters(), params_before))  # copied into, not replaced
    for (k, a), b in zip(src.state_dict().items(), dst.state_dict().values()):
        np.testing.assert_array_equal(a._data, b._data, err_msg=k)
    # and torch accepts our state_dict, key for key
    copy_to_torch(src, torch_net())


def _broken(state):
    state = OrderedDict(state)
    del state["heads.box.bias"]
    state["heads.box.gain"] = state["scale"]
    state["unknown.weight"] = state["scale"]
    state["extra.bias"] = state["extra.bias"][:1]
    return state


@requires_torch
def test_load_state_dict_errors_match_torch_text():
    ours, theirs = mt_net(), torch_net()
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict(_broken(ours.state_dict()))
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict(_broken(theirs.state_dict()))
    assert str(ours_err.value) == str(theirs_err.value).replace("torch.Size", "minitorch_cnn.Size")
    assert 'Missing key(s) in state_dict: "heads.box.bias".' in str(ours_err.value)
    assert "size mismatch for extra.bias: copying a param with shape minitorch_cnn.Size([1])" in str(ours_err.value)
    # strict=False still refuses wrong shapes, and reports the key lists otherwise
    state = _broken(ours.state_dict())
    state["extra.bias"] = ours.extra.bias.detach()
    result = ours.load_state_dict(state, strict=False)
    theirs_state = _broken(theirs.state_dict())
    theirs_state["extra.bias"] = theirs.extra.bias.detach()
    assert tuple(result) == tuple(theirs.load_state_dict(theirs_state, strict=False))
    assert result.missing_keys == ["heads.box.bias"]
    with pytest.raises(RuntimeError, match='expected minitorch_cnn Tensor from checkpoint but received'):
        ours.load_state_dict({**ours.state_dict(), "scale": np.zeros(1)})
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        ours.load_state_dict([1, 2])


def test_load_state_dict_assign_and_old_batchnorm_checkpoints():
    bn = nn.BatchNorm2d(3)
    old = {k: v for k, v in nn.BatchNorm2d(3).state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(old) == ([], [])  # pre-version-2 checkpoints (torchvision 2017) load strictly
    assert "num_batches_tracked" not in old  # the caller's dict is left alone
    new_weight = mt.full((3,), 2.0)
    lin = nn.Linear(2, 3)
    lin.load_state_dict({"weight": mt.zeros(3, 2), "bias": new_weight}, assign=True)
    assert isinstance(lin.bias, nn.Parameter) and lin.bias.requires_grad and lin.bias._data is new_weight._data


def test_train_eval_requires_grad_zero_grad_apply():
    net = mt_net()
    assert net.training and net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    for p in net.parameters():
        p.grad = mt.ones_like(p)
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited[-1] == "Net" and visited[:3] == ["Conv2d", "BatchNorm2d", "Block"]


def test_to_double_keeps_parameter_identity(device):
    net = mt_net().to(device)
    net.scale.grad = mt.ones(1, device=device)
    params = list(net.parameters())
    grad = net.scale.grad
    assert net.double() is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == mt.float64 for p in net.parameters()) and net.scale.grad is grad
    assert grad.dtype == mt.float64 and net.blocks[0].bn.running_mean.dtype == mt.float64
    assert net.blocks[0].bn.num_batches_tracked.dtype == mt.int64  # integer buffers keep their dtype
    net.to(mt.float32)
    assert net.scale.dtype == mt.float32 and net.scale.device == mt.device(device)
    net.to(device, mt.float64)
    net.to(mt.zeros(1, dtype=mt.float32))  # device and dtype of a tensor
    assert net.scale.dtype == mt.float32 and net.scale.device == mt.device("cpu")
    assert net.half().scale.dtype == mt.float16 and net.float().scale.dtype == mt.float32
    assert net.cpu().scale.device == mt.device("cpu")
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        net.to(mt.int64)


def test_hooks_fire_in_order_and_can_be_removed():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
    post = lin.register_forward_hook(lambda m, args, out: calls.append(("post", tuple(out.shape))))
    first = lin.register_forward_pre_hook(lambda m, args: calls.append("first"), prepend=True)
    out = lin(mt.ones(3, 2))
    assert calls == ["first", "pre", ("post", (3, 2))]
    np.testing.assert_allclose(out._data, np.broadcast_to(lin.bias._data, (3, 2)))  # the pre-hook zeroed the input
    replaced = lin.register_forward_hook(lambda m, args, kwargs, out: out + 1, with_kwargs=True)
    np.testing.assert_allclose(lin(mt.ones(1, 2))._data, lin.bias._data[None] + 1)
    for handle in (pre, post, first, replaced):
        handle.remove()
    calls.clear()
    lin(mt.ones(1, 2))
    assert calls == []
    with lin.register_forward_hook(lambda m, a, o: calls.append(1)):
        lin(mt.ones(1, 2))
    lin(mt.ones(1, 2))
    assert calls == [1]


def test_pre_hooks_with_kwargs():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    handle = m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    assert m(mt.ones(2)).tolist() == [3.0, 3.0]
    handle.remove()
    m.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"forward pre-hook must return None or a tuple of \(new_args, new_kwargs\)"):
        m(mt.ones(2))


def test_hooks_record_activations_of_a_model():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    activations = {}
    for name, module in model.named_children():
        module.register_forward_hook(lambda m, a, out, name=name: activations.__setitem__(name, out))
    model(mt.randn(5, 4))
    assert list(activations) == ["0", "1", "2"] and float(activations["1"].min()) >= 0


@requires_torch
def test_repr_matches_torch():
    assert repr(mt_net()) == repr(torch_net())


def test_get_submodule_and_dir():
    net = mt_net()
    assert net.get_submodule("blocks.1.bn") is net.blocks[1].bn and net.get_submodule("") is net
    with pytest.raises(AttributeError, match="BatchNorm2d has no attribute `nope`"):
        net.get_submodule("blocks.1.bn.nope")
    with pytest.raises(AttributeError, match="`eps` is not an nn.Module"):
        net.get_submodule("blocks.1.bn.eps")
    assert {"blocks", "scale", "forward"} <= set(dir(net))


@requires_torch
@given(kinds=st.lists(st.sampled_from(["Linear", "ReLU", "BatchNorm1d", "Sequential"]), min_size=1, max_size=5),
       width=st.integers(1, 4))
def test_random_stacks_have_torchs_keys_shapes_and_repr(kinds, width):
    import torch

    def build(nn):
        make = {"Linear": lambda: nn.Linear(width, width), "ReLU": nn.ReLU,
                "BatchNorm1d": lambda: nn.BatchNorm1d(width), "Sequential": lambda: nn.Sequential(nn.Linear(width, 1))}
        return nn.Sequential(*[make[k]() for k in kinds])

    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    copy_to_torch(ours, theirs)  # torch loads our state_dict strictly


def test_deepcopy_of_a_model_copies_parameters_and_buffers():
    import copy

    model = mt.nn.Sequential(mt.nn.Conv2d(1, 2, 3), mt.nn.BatchNorm2d(2))
    clone = copy.deepcopy(model)
    assert isinstance(clone[0].weight, mt.nn.Parameter) and clone[0].weight is not model[0].weight
    np.testing.assert_array_equal(clone[0].weight.detach().numpy(), model[0].weight.detach().numpy())
    with mt.no_grad():
        clone[1].running_mean.add_(1.0)
    assert float(model[1].running_mean.sum()) == 0.0
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(model[0].weight * 2)
