"""no_grad / enable_grad / set_grad_enabled as context managers and decorators."""
import minitorch_cnn as mt


def test_no_grad_context_records_no_graph():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        assert not mt.is_grad_enabled()
        y = x * 2
    assert mt.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_enable_grad_inside_no_grad():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        with mt.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_no_grad_and_enable_grad_as_decorators():
    x = mt.ones(2, requires_grad=True)

    @mt.no_grad()
    def evaluate(t):
        return t * 2

    @mt.enable_grad()
    def train(t):
        return t * 2

    assert not evaluate(x).requires_grad
    with mt.no_grad():
        assert train(x).requires_grad
    assert evaluate.__name__ == "evaluate"


def test_grad_mode_restored_after_an_exception():
    try:
        with mt.no_grad():
            raise ValueError
    except ValueError:
        pass
    assert mt.is_grad_enabled()


def test_set_grad_enabled():
    x = mt.ones(2, requires_grad=True)
    with mt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mt.is_grad_enabled()
    mt.set_grad_enabled(False)
    assert not mt.is_grad_enabled()
    mt.set_grad_enabled(True)
    assert (x * 2).requires_grad
