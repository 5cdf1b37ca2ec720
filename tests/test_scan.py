"""The recurrence kernel against the plain autograd loop it replaces."""

import pytest
import torch

import sk_alrnn.nn._scan as scan
from sk_alrnn.nn._scan import Forcing, _scan_reference, alrnn_scan


@pytest.fixture(params=["folded", "split"])
def fold_mode(request, monkeypatch):
    """Run each test with a_R folded into the step matmul and kept apart."""
    monkeypatch.setattr(scan, "_FOLD_MAX_MACS", 2**62 if request.param == "folded" else -1)
    return request.param


def _inputs(B, T, M, dtype=torch.float64, seed=0, device="cpu"):
    """Random drive and weights with a stable-ish but nonlinear recurrence."""
    g = torch.Generator().manual_seed(seed)
    drive = torch.randn(B, T, M, generator=g, dtype=dtype)
    a = torch.rand(M, generator=g, dtype=dtype) * 0.9
    W = torch.randn(M, M, generator=g, dtype=dtype) * (0.8 / M**0.5)
    return [x.to(device).requires_grad_() for x in (drive, a, W)]


def _flush_is_on() -> bool:
    tiny = torch.tensor(torch.finfo(torch.float32).tiny, dtype=torch.float32)
    return bool((tiny / 2) == 0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("P", [0, 1, 3, 6])
def test_forward_matches_reference(fold_mode, dtype, P):
    drive, a, W = _inputs(4, 9, 6, dtype)
    Z = alrnn_scan(drive, a, W, P)
    assert Z.shape == (4, 9, 6) and Z.dtype == dtype
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(Z, _scan_reference(drive, a, W, P), rtol=tol, atol=tol)


@pytest.mark.parametrize("P", [0, 1, 3, 5])
def test_gradcheck_float64(fold_mode, P):
    drive, a, W = _inputs(3, 6, 5)
    assert torch.autograd.gradcheck(lambda d, a, W: alrnn_scan(d, a, W, P), (drive, a, W))


@pytest.mark.parametrize("seed", range(6))
def test_float32_gradients_match_reference(fold_mode, seed):
    g = torch.Generator().manual_seed(100 + seed)
    B, T, M = (
        int(torch.randint(lo, hi, (1,), generator=g)) for lo, hi in [(1, 9), (1, 40), (1, 17)]
    )
    T = 1 if seed == 0 else T
    P = [0, M, int(torch.randint(0, M + 1, (1,), generator=g))][seed % 3]
    drive, a, W = _inputs(B, T, M, torch.float32, seed)
    Z, Z_ref = alrnn_scan(drive, a, W, P), _scan_reference(drive, a, W, P)
    upstream = torch.randn(Z.shape, generator=g)
    grads = torch.autograd.grad(Z, (drive, a, W), upstream)
    grads_ref = torch.autograd.grad(Z_ref, (drive, a, W), upstream)
    for got, want in zip(grads, grads_ref):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


def test_gradient_for_drive_only_matches_reference():
    drive, a, W = _inputs(2, 5, 4)
    a, W = a.detach(), W.detach()
    (grad,) = torch.autograd.grad(alrnn_scan(drive, a, W, 2).sum(), drive)
    (grad_ref,) = torch.autograd.grad(_scan_reference(drive, a, W, 2).sum(), drive)
    torch.testing.assert_close(grad, grad_ref)


def test_no_grad_inference_builds_no_graph_and_matches_reference(fold_mode):
    drive, a, W = _inputs(3, 7, 5)
    with torch.no_grad():
        Z = alrnn_scan(drive, a, W, 2)
    assert Z.grad_fn is None and not Z.requires_grad
    Z_plain = alrnn_scan(drive.detach(), a.detach(), W.detach(), 2)
    assert Z_plain.grad_fn is None
    torch.testing.assert_close(Z, _scan_reference(drive, a, W, 2).detach())
    torch.testing.assert_close(Z_plain, Z)


def test_empty_sequence_gives_an_empty_output():
    drive, a, W = _inputs(2, 0, 3)
    assert alrnn_scan(drive, a, W, 1).shape == (2, 0, 3)


@pytest.mark.parametrize("initially_on", [False, True])
def test_flush_denormal_setting_restored(initially_on):
    if not torch.set_flush_denormal(initially_on) and initially_on:
        pytest.skip("this CPU cannot flush denormals")
    try:
        drive, a, W = _inputs(2, 5, 4, torch.float32)
        alrnn_scan(drive, a, W, 2).sum().backward()
        with torch.no_grad():
            alrnn_scan(drive, a, W, 2)
        assert _flush_is_on() == initially_on
    finally:
        torch.set_flush_denormal(False)


# (P, tau, alpha, N): hard and partial forcing, every step, never (tau >= T), P = 0 and
# P = M, forced units overlapping the ReLU units (N > M - P).
FORCING_CASES = [
    (0, 3, 1.0, 2),
    (2, 1, 1.0, 2),
    (2, 2, 0.3, 2),
    (5, 3, 0.7, 3),
    (5, 1, 0.5, 5),
    (1, 7, 1.0, 2),
    (1, 50, 0.5, 2),
    (3, 2, 0.5, 4),
]


def _forced_inputs(P, tau, alpha, N, B=3, T=7, M=5, dtype=torch.float64):
    drive, a, W = _inputs(B, T, M, dtype, seed=P + 10 * tau)
    g = torch.Generator().manual_seed(7)
    z0 = torch.randn(B, M, generator=g, dtype=dtype).requires_grad_()
    signal = torch.randn(B, T, N, generator=g, dtype=dtype)
    return (drive, a, W, z0), Forcing(signal, tau, alpha)


@pytest.mark.parametrize("P, tau, alpha, N", FORCING_CASES)
def test_forced_forward_matches_reference(fold_mode, P, tau, alpha, N):
    (drive, a, W, z0), forcing = _forced_inputs(P, tau, alpha, N)
    Z = alrnn_scan(drive, a, W, P, z0=z0, forcing=forcing)
    Z_ref = _scan_reference(drive, a, W, P, z0=z0, forcing=forcing)
    torch.testing.assert_close(Z, Z_ref, rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        torch.testing.assert_close(alrnn_scan(drive, a, W, P, z0=z0, forcing=forcing), Z_ref)


@pytest.mark.parametrize("P, tau, alpha, N", FORCING_CASES)
def test_forced_gradcheck_float64(fold_mode, P, tau, alpha, N):
    inputs, forcing = _forced_inputs(P, tau, alpha, N)
    assert torch.autograd.gradcheck(
        lambda d, a, W, z0: alrnn_scan(d, a, W, P, z0=z0, forcing=forcing), inputs
    )


def test_outputs_are_pre_forcing_and_forcing_acts_on_plan_only():
    (drive, a, W, z0), forcing = _forced_inputs(2, 3, 1.0, 2, T=9)
    Z = alrnn_scan(drive, a, W, 2, z0=z0, forcing=forcing).detach()
    # Changing x_t at a forced step t changes z_{t+1} on, never z_t itself;
    # changing it at an unforced step changes nothing.
    for t, forced in [(3, True), (6, True), (4, False), (9, False)]:
        signal = forcing.signal.clone()
        signal[:, t - 1] += 1.0
        Z2 = alrnn_scan(drive, a, W, 2, z0=z0, forcing=forcing._replace(signal=signal)).detach()
        torch.testing.assert_close(Z2[:, :t], Z[:, :t])
        assert (not torch.equal(Z2[:, t:], Z[:, t:])) == (forced and t < 9)


def test_hard_forcing_blocks_gradient_into_forced_units():
    (drive, a, W, z0), forcing = _forced_inputs(2, 3, 1.0, 2, T=9)
    Z = alrnn_scan(drive, a, W, 2, z0=z0, forcing=forcing)
    # Loss on z_4 only: it reaches z_3[:N] only through the forced u_3, so nothing flows.
    (grad,) = torch.autograd.grad(Z[:, 3].sum(), drive)
    assert (grad[:, 2, :2] == 0).all() and (grad[:, 2, 2:] != 0).any()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("P", [0, 2, 5])
def test_cuda_matches_cpu(P):
    cpu = _inputs(3, 8, 5, torch.float32)
    gpu = _inputs(3, 8, 5, torch.float32, device="cuda")
    Z_cpu, Z_gpu = alrnn_scan(*cpu, P), alrnn_scan(*gpu, P)
    torch.testing.assert_close(Z_gpu.cpu(), Z_cpu, rtol=1e-4, atol=1e-4)
    grads_cpu = torch.autograd.grad(Z_cpu.sum(), cpu)
    grads_gpu = torch.autograd.grad(Z_gpu.sum(), gpu)
    for got, want in zip(grads_gpu, grads_cpu):
        torch.testing.assert_close(got.cpu(), want, rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_forced_matches_cpu():
    (drive, a, W, z0), forcing = _forced_inputs(2, 3, 0.5, 2, dtype=torch.float32)
    gpu = [x.detach().cuda().requires_grad_() for x in (drive, a, W, z0)]
    f_gpu = forcing._replace(signal=forcing.signal.cuda())
    Z_cpu = alrnn_scan(drive, a, W, 2, z0=z0, forcing=forcing)
    Z_gpu = alrnn_scan(*gpu[:3], 2, z0=gpu[3], forcing=f_gpu)
    torch.testing.assert_close(Z_gpu.cpu(), Z_cpu, rtol=1e-4, atol=1e-4)
    grads_cpu = torch.autograd.grad(Z_cpu.sum(), (drive, a, W, z0))
    grads_gpu = torch.autograd.grad(Z_gpu.sum(), gpu)
    for got, want in zip(grads_gpu, grads_cpu):
        torch.testing.assert_close(got.cpu(), want, rtol=1e-4, atol=1e-4)
