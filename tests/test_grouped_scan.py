"""The grouped kernel (K forced AL-RNNs at once) against the autograd loop per network."""

import pytest
import torch

from sk_alrnn.nn._grouped_scan import _grouped_scan_reference, grouped_scan
from sk_alrnn.nn._scan import Forcing

# Mixed P, 0 included; P = 4 > M - N makes observed units ReLU units too.
PS = [0, 2, 1, 4, 3]
M, N, K_ALL = 4, 2, len(PS)


def _weights(dtype, seed=0, K=K_ALL, B=3):
    g = torch.Generator().manual_seed(seed)
    # Stable but nonlinear: float32 runs stay comparable over 30 steps.
    a = torch.rand(K, M, generator=g, dtype=dtype) * 0.6
    W = torch.randn(K, M, M, generator=g, dtype=dtype) * (0.5 / M**0.5)
    h = 0.5 * torch.randn(K, M, generator=g, dtype=dtype)
    z0 = torch.randn(K, B, M, generator=g, dtype=dtype)
    return [x.requires_grad_() for x in (a, W, h, z0)]


def _forcing(kind, dtype, B=3, T=9, seed=1):
    if kind is None:
        return None
    x = torch.randn(B, T, N, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    if kind == "hard":
        return Forcing(x, 3, 1.0)
    if kind == "shared":
        return Forcing(x, 2, 0.4)
    # One strength per network: hard, soft, none, ...
    alpha = torch.tensor([1.0, 0.3, 0.0, 0.7, 1.0], dtype=dtype)
    return Forcing(x, 2, alpha)


FORCINGS = [None, "hard", "shared", "per-network"]


@pytest.mark.parametrize("kind", FORCINGS)
def test_outputs_and_gradients_match_reference_float64(kind):
    a, W, h, z0 = params = _weights(torch.float64)
    forcing = _forcing(kind, torch.float64)
    Z = grouped_scan(a, W, h, PS, z0, 9, forcing=forcing)
    Z_ref = _grouped_scan_reference(a, W, h, PS, z0, 9, forcing=forcing)
    assert Z.shape == (len(PS), 9, 3, M)
    torch.testing.assert_close(Z, Z_ref, rtol=1e-12, atol=1e-12)
    upstream = torch.randn(Z.shape, generator=torch.Generator().manual_seed(2), dtype=Z.dtype)
    grads = torch.autograd.grad(Z, params, upstream)
    grads_ref = torch.autograd.grad(Z_ref, params, upstream)
    for got, want in zip(grads, grads_ref):
        torch.testing.assert_close(got, want, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("kind", FORCINGS)
@pytest.mark.parametrize("seed", range(3))
def test_float32_outputs_and_gradients_match_reference(kind, seed):
    a, W, h, z0 = params = _weights(torch.float32, seed, B=5)
    forcing = _forcing(kind, torch.float32, B=5, T=30, seed=seed)
    Z = grouped_scan(a, W, h, PS, z0, 30, forcing=forcing)
    Z_ref = _grouped_scan_reference(a, W, h, PS, z0, 30, forcing=forcing)
    torch.testing.assert_close(Z, Z_ref, rtol=1e-4, atol=1e-5)
    upstream = torch.randn(Z.shape, generator=torch.Generator().manual_seed(seed))
    grads = torch.autograd.grad(Z, params, upstream)
    grads_ref = torch.autograd.grad(Z_ref, params, upstream)
    for got, want in zip(grads, grads_ref):
        # Sums over 30 steps and 5 samples: float32 rounding relative to the largest entry.
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4 * float(want.abs().max()))


def test_gradcheck_float64():
    a, W, h, z0 = _weights(torch.float64, K=3, B=2)
    forcing = Forcing(torch.randn(2, 5, N, dtype=torch.float64), 2, torch.tensor([1.0, 0.5, 0.0]))

    def scan(a, W, h, z0):
        return grouped_scan(a, W, h, [0, 2, 4], z0, 5, forcing=forcing)

    assert torch.autograd.gradcheck(scan, (a, W, h, z0))


def test_entries_linear_in_a_network_get_no_gradient_of_its_relu_slots():
    # Network 0 is linear (P = 0) in a stack with P_max = 2: its W must get the
    # gradient of the linear network alone, as if trained by itself.
    a, W, h, z0 = _weights(torch.float64, K=2, B=3)
    Z = grouped_scan(a, W, h, [0, 2], z0, 6)
    (grad_W,) = torch.autograd.grad(Z[0].square().sum(), W)
    alone = [x[:1].detach().requires_grad_() for x in (a, W, h, z0)]
    Z_alone = _grouped_scan_reference(*alone[:3], [0], alone[3], 6)
    (grad_alone,) = torch.autograd.grad(Z_alone.square().sum(), alone[1])
    torch.testing.assert_close(grad_W[0], grad_alone[0], rtol=1e-12, atol=1e-12)
    assert (grad_W[1] == 0).all()


def test_outputs_are_pre_forcing_and_the_step_starts_from_the_data():
    a, W, h, z0 = (x.detach() for x in _weights(torch.float64, K=2, B=1))
    x = torch.full((1, 6, N), 100.0, dtype=torch.float64)
    free = grouped_scan(a, W, h, [1, 3], z0, 6)
    forced = grouped_scan(a, W, h, [1, 3], z0, 6, forcing=Forcing(x, 3, 1.0))
    torch.testing.assert_close(forced[:, :3], free[:, :3])  # z_1..z_3 before forcing
    for k, P in enumerate([1, 3]):  # z_4 by hand from u_3 = [x_3; z_3[N:]]
        u = torch.cat([x[0, 2], free[k, 2, 0, N:]])
        phi = torch.cat([u[: M - P], torch.relu(u[M - P :])])
        torch.testing.assert_close(forced[k, 3, 0], a[k] * u + W[k] @ phi + h[k])


def test_no_grad_inference_builds_no_graph_and_empty_runs():
    a, W, h, z0 = _weights(torch.float64)
    with torch.no_grad():
        Z = grouped_scan(a, W, h, PS, z0, 7)
    assert Z.grad_fn is None
    torch.testing.assert_close(Z, _grouped_scan_reference(a, W, h, PS, z0, 7).detach())
    assert grouped_scan(a, W, h, PS, z0, 0).shape == (len(PS), 0, 3, M)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    a, W, h, z0 = _weights(torch.float64)
    forcing = _forcing("per-network", torch.float64)
    Z = grouped_scan(a, W, h, PS, z0, 9, forcing=forcing)
    on_gpu = [x.detach().cuda().requires_grad_() for x in (a, W, h, z0)]
    plan = Forcing(forcing.signal.cuda(), forcing.interval, forcing.alpha.cuda())
    Z_gpu = grouped_scan(*on_gpu[:3], PS, on_gpu[3], 9, forcing=plan)
    torch.testing.assert_close(Z_gpu.cpu(), Z.detach())
    Z_gpu.sum().backward()
    Z.sum().backward()
    for cpu, gpu in zip((a, W, h, z0), on_gpu):
        torch.testing.assert_close(gpu.grad.cpu(), cpu.grad)


def test_stack_outputs_and_free_runs_are_each_networks_own():
    import numpy as np

    from sk_alrnn.nn import DSRModule, DSRStack, lift64, run

    # P = 6 = M makes observed units ReLU units: the stack no longer needs P <= M - N.
    Ps, g = [0, 2, 6], torch.Generator().manual_seed(0)
    modules = [DSRModule(2, 6, P, generator=g) for P in Ps]
    stack = DSRStack(modules, Ps)
    stack.tf_interval, stack.tf_alpha = 3, torch.tensor([1.0, 0.5, 0.0])
    windows = torch.randn(4, 8, 2, generator=g)
    y = stack(windows)
    assert y.shape == (4, 7, 3, 2)
    x0 = windows[:2, 0].double().numpy()
    free = stack.free_runs(x0, 5)
    for k, module in enumerate(modules):
        module.tf_interval, module.tf_alpha = 3, float(stack.tf_alpha[k])
        torch.testing.assert_close(y[:, :, k], module(windows)[..., :2], rtol=1e-4, atol=1e-5)
        expected = run(module, lift64(module, x0), 5)[..., :2]
        np.testing.assert_allclose(free[k], expected, rtol=1e-10, atol=1e-12)
