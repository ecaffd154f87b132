#!/usr/bin/python3
"""Reference values for SslSharp's masked-image-modelling pieces
(tests/SslSharp.Tests/Losses/{Patches,MAELoss,IJEPALoss,IBOTPatchLoss,IBOTLoss}Tests.cs,
Modules/EmaMomentumLinearTests.cs).

Independent implementations in PyTorch 1.13, written from the papers and the official code's formulas:
- patchify (facebookresearch/mae models_mae.py): reshape (N, C, h, p, w, p), einsum nchpwq->nhwpqc, reshape
  (N, h*w, p*p*C). Checked here against an explicit loop over pixels, which also covers non-square images.
- MAE loss (models_mae.py forward_loss): target = patchify(imgs); with norm_pix_loss
  (target - mean) / (var + 1e-6) ** .5 (torch.var: unbiased); loss = ((pred - target) ** 2).mean(-1);
  (loss * mask).sum() / mask.sum(), mask 1 = removed. Masks from MAE's random_masking (argsort of noise).
- I-JEPA loss (facebookresearch/ijepa src/train.py): h = F.layer_norm(h, (h.size(-1),)); F.smooth_l1_loss(z, h)
  (beta 1, mean); one case with another beta.
- iBOT patch loss (bytedance/ibot main_ibot.py iBOTLoss, the v == q terms): teacher softmax((t - center2) / temp2),
  student log_softmax(s / 0.1), per crop sum(-q log p, -1), sum(loss * mask, -1) / mask.sum(-1).clamp(min=1), mean
  over images, averaged over the global crops; center2 = center2 m + sum(t.mean(1), 0) / len(t) (1 - m).
  Some images carry no masked patch (iBOT masks about half of them).
- iBOT's whole loss (main_ibot.py iBOTLoss.forward): [CLS] term over (teacher global crop q, student crop v != q)
  pairs with centre and temp, patch term for v == q with center2 and temp2, lambda1 / lambda2 weights; both centre
  updates. Student [CLS] outputs include local crops, which have no patch term.
- I-JEPA's EMA momentum (src/train.py momentum_scheduler): linear from ema[0] over ipe * epochs * ipe_scale steps.

Run with Debian's python (it has torch):  /usr/bin/python3 scripts/make_mim_fixtures.py
Writes tests/SslSharp.Tests/Fixtures/mim.json.
"""
import json
import os

import torch
import torch.nn.functional as F


def flat(t):
    return t.detach().reshape(-1).tolist()


def mae_patchify(imgs, p):
    n, c = imgs.shape[0], imgs.shape[1]
    assert imgs.shape[2] == imgs.shape[3] and imgs.shape[2] % p == 0
    h = w = imgs.shape[2] // p
    x = imgs.reshape(shape=(n, c, h, p, w, p))
    x = torch.einsum('nchpwq->nhwpqc', x)
    return x.reshape(shape=(n, h * w, p ** 2 * c))


def loop_patchify(imgs, p):
    n, c, hh, ww = imgs.shape
    h, w = hh // p, ww // p
    out = torch.zeros(n, h * w, p * p * c, dtype=imgs.dtype)
    for b in range(n):
        for i in range(h):
            for j in range(w):
                for r in range(p):
                    for q in range(p):
                        for ch in range(c):
                            out[b, i * w + j, (r * p + q) * c + ch] = imgs[b, ch, i * p + r, j * p + q]
    return out


def patch_case(name, n, c, height, width, p, seed):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.randn(n, c, height, width, generator=g, dtype=torch.float64)
    patches = loop_patchify(imgs, p)
    if height == width:
        assert torch.equal(patches, mae_patchify(imgs, p))
    return {"name": name, "n": n, "c": c, "height": height, "width": width, "p": p,
            "images": flat(imgs), "patches": flat(patches)}


def random_masking_mask(n, l, ratio, g):
    # models_mae.py random_masking: noise, argsort, keep the first int(L (1 - ratio)), mask in token order.
    len_keep = int(l * (1 - ratio))
    noise = torch.rand(n, l, generator=g)
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    mask = torch.ones([n, l])
    mask[:, :len_keep] = 0
    return torch.gather(mask, dim=1, index=ids_restore).double()


def mae_case(name, n, c, size, p, ratio, norm_pix, seed):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.rand(n, c, size, size, generator=g, dtype=torch.float64) * 2 - 1
    l, d = (size // p) ** 2, p * p * c
    pred = torch.randn(n, l, d, generator=g, dtype=torch.float64) * 0.8
    mask = random_masking_mask(n, l, ratio, g)
    x = pred.clone().requires_grad_(True)
    target = mae_patchify(imgs, p)
    if norm_pix:
        mean = target.mean(dim=-1, keepdim=True)
        var = target.var(dim=-1, keepdim=True)
        target = (target - mean) / (var + 1.e-6) ** .5
    loss = (x - target) ** 2
    loss = loss.mean(dim=-1)
    loss = (loss * mask).sum() / mask.sum()
    loss.backward()
    # The mutation a test must catch: the mean over all patches.
    all_patches = ((pred - target) ** 2).mean(dim=-1).mean()
    return {"name": name, "n": n, "c": c, "size": size, "p": p, "norm_pix": norm_pix,
            "images": flat(imgs), "pred": flat(pred), "mask": flat(mask),
            "loss": loss.item(), "grad_pred": flat(x.grad), "loss_all_patches": all_patches.item()}


def ijepa_case(name, m, k, d, beta, scale, seed):
    g = torch.Generator().manual_seed(seed)
    h = torch.randn(m, k, d, generator=g, dtype=torch.float64) * 3 + 1.5
    z = torch.randn(m, k, d, generator=g, dtype=torch.float64) * scale
    zz = z.clone().requires_grad_(True)
    hh = h.clone().requires_grad_(True)
    with torch.no_grad():
        target = F.layer_norm(hh, (hh.size(-1),))
    loss = F.smooth_l1_loss(zz, target) if beta == 1.0 else F.smooth_l1_loss(zz, target, beta=beta)
    loss.backward()
    assert hh.grad is None
    diff = (z - F.layer_norm(h, (d,))).abs()
    return {"name": name, "m": m, "k": k, "d": d, "beta": beta,
            "pred": flat(z), "target": flat(h), "loss": loss.item(), "grad_pred": flat(zz.grad),
            "share_below_beta": (diff < beta).double().mean().item()}


def ibot_case(name, n, l, k, crops, teacher_temp, student_temp, seed):
    g = torch.Generator().manual_seed(seed)
    teacher = torch.randn(crops * n, l, k, generator=g, dtype=torch.float64) * 2
    student = torch.randn(crops * n, l, k, generator=g, dtype=torch.float64) * 2
    center = torch.randn(1, 1, k, generator=g, dtype=torch.float64) * 0.5
    masks = []
    for _ in range(crops):
        m = torch.rand(n, l, generator=g) < 0.4
        m[0] = False  # an image the student saw unmasked: adds 0, counts in the mean over images
        m[1] = False
        m[1, 2] = True  # one masked patch
        masks.append(m)
    s = student.clone().requires_grad_(True)
    student_patch_c = (s / student_temp).chunk(crops)
    teacher_patch_c = F.softmax((teacher - center) / teacher_temp, dim=-1).detach().chunk(crops)
    total, terms = 0, 0
    for q in range(crops):
        loss2 = torch.sum(-teacher_patch_c[q] * F.log_softmax(student_patch_c[q], dim=-1), dim=-1)
        mask = masks[q]
        loss2 = torch.sum(loss2 * mask.float(), dim=-1) / mask.sum(dim=-1).clamp(min=1.0)
        total += loss2.mean()
        terms += 1
    total = total / terms
    total.backward()
    momentum = 0.9
    patch_center = torch.sum(teacher.mean(1), dim=0, keepdim=True) / len(teacher)
    new_center = center * momentum + patch_center * (1 - momentum)
    return {"name": name, "n": n, "l": l, "k": k, "crops": crops, "teacher_temp": teacher_temp,
            "student_temp": student_temp, "center_momentum": momentum,
            "student": flat(student), "teacher": flat(teacher), "center": flat(center),
            "masks": [flat(m.double()) for m in masks],
            "loss": total.item(), "grad_student": flat(s.grad), "new_center": flat(new_center)}


def ibot_full_case(name, n, l, k, global_crops, local_crops, temp, temp2, student_temp, lambda1, lambda2, seed):
    # The whole iBOTLoss.forward of bytedance/ibot main_ibot.py, written out again: student [CLS] outputs of all crops
    # (globals, then locals), student patch outputs of the masked global crops, teacher [CLS] and patch outputs of the
    # global crops; v != q pairs give the [CLS] term (DINO), v == q the masked-patch term.
    g = torch.Generator().manual_seed(seed)
    ncrops = global_crops + local_crops
    student_cls = torch.randn(ncrops * n, k, generator=g, dtype=torch.float64) * 2
    teacher_cls = torch.randn(global_crops * n, k, generator=g, dtype=torch.float64) * 2
    student_patch = torch.randn(global_crops * n, l, k, generator=g, dtype=torch.float64) * 2
    teacher_patch = torch.randn(global_crops * n, l, k, generator=g, dtype=torch.float64) * 2
    center = torch.randn(1, k, generator=g, dtype=torch.float64) * 0.5
    center2 = torch.randn(1, 1, k, generator=g, dtype=torch.float64) * 0.5
    masks = []
    for _ in range(global_crops):
        m = torch.rand(n, l, generator=g) < 0.3
        m[0] = False
        masks.append(m)
    sc = student_cls.clone().requires_grad_(True)
    sp = student_patch.clone().requires_grad_(True)
    s_cls_c = (sc / student_temp).chunk(ncrops)
    s_patch_c = (sp / student_temp).chunk(global_crops)
    t_cls_c = F.softmax((teacher_cls - center) / temp, dim=-1).detach().chunk(global_crops)
    t_patch_c = F.softmax((teacher_patch - center2) / temp2, dim=-1).detach().chunk(global_crops)
    loss1, n1, loss2, n2 = 0, 0, 0, 0
    for q in range(len(t_cls_c)):
        for v in range(len(s_cls_c)):
            if v == q:
                e = torch.sum(-t_patch_c[q] * F.log_softmax(s_patch_c[v], dim=-1), dim=-1)
                mk = masks[v]
                e = torch.sum(e * mk.float(), dim=-1) / mk.sum(dim=-1).clamp(min=1.0)
                loss2 += e.mean()
                n2 += 1
            else:
                e = torch.sum(-t_cls_c[q] * F.log_softmax(s_cls_c[v], dim=-1), dim=-1)
                loss1 += e.mean()
                n1 += 1
    loss1 = loss1 / n1 * lambda1
    loss2 = loss2 / n2 * lambda2
    total = loss1 + loss2
    total.backward()
    m1 = m2 = 0.9
    new_center = center * m1 + torch.sum(teacher_cls, dim=0, keepdim=True) / len(teacher_cls) * (1 - m1)
    new_center2 = center2 * m2 + torch.sum(teacher_patch.mean(1), dim=0, keepdim=True) / len(teacher_patch) * (1 - m2)
    return {"name": name, "n": n, "l": l, "k": k, "global_crops": global_crops, "local_crops": local_crops,
            "teacher_temp": temp, "teacher_patch_temp": temp2, "student_temp": student_temp,
            "lambda1": lambda1, "lambda2": lambda2, "center_momentum": m1,
            "student_cls": flat(student_cls), "teacher_cls": flat(teacher_cls),
            "student_patch": flat(student_patch), "teacher_patch": flat(teacher_patch),
            "center": flat(center), "center2": flat(center2), "masks": [flat(m.double()) for m in masks],
            "loss": total.item(), "loss_cls": loss1.item(), "loss_patch": loss2.item(),
            "grad_student_cls": flat(sc.grad), "grad_student_patch": flat(sp.grad),
            "new_center": flat(new_center), "new_center2": flat(new_center2.reshape(1, 1, k))}


def ijepa_momentum_case(name, ema, ipe, num_epochs, ipe_scale):
    # src/train.py: momentum_scheduler = (ema[0] + i*(ema[1]-ema[0])/(ipe*num_epochs*ipe_scale)
    #                                     for i in range(int(ipe*num_epochs*ipe_scale)+1)); next() after every step.
    gen = (ema[0] + i * (ema[1] - ema[0]) / (ipe * num_epochs * ipe_scale)
           for i in range(int(ipe * num_epochs * ipe_scale) + 1))
    values = [next(gen) for _ in range(ipe * num_epochs)]
    return {"name": name, "base": ema[0], "end": ema[1], "steps": ipe * num_epochs,
            "total": int(ipe * num_epochs * ipe_scale), "momentum": values}


def main():
    out = {
        "patchify": [
            patch_case("square_rgb", 2, 3, 8, 8, 4, 1),
            patch_case("gray_28_p7", 1, 1, 28, 28, 7, 2),
            patch_case("non_square", 2, 2, 6, 9, 3, 3),
        ],
        "mae": [
            mae_case("plain", 3, 3, 8, 2, 0.75, False, 10),
            mae_case("norm_pix", 3, 3, 8, 2, 0.75, True, 11),
            mae_case("gray_norm_pix", 2, 1, 12, 4, 0.5, True, 12),
            mae_case("gray_plain", 2, 1, 12, 4, 0.5, False, 13),
        ],
        "ijepa": [
            ijepa_case("default_beta", 8, 5, 6, 1.0, 1.0, 20),
            ijepa_case("small_beta", 6, 4, 8, 0.5, 1.0, 21),
            ijepa_case("mostly_quadratic", 4, 3, 16, 1.0, 0.2, 22),
        ],
        "ijepa_momentum": [
            ijepa_momentum_case("config_scale_1", (0.996, 1.0), 5, 4, 1.0),
            ijepa_momentum_case("default_scale_1_25", (0.996, 1.0), 3, 4, 1.25),
        ],
        "ibot": [
            ibot_case("two_crops", 4, 9, 7, 2, 0.04, 0.1, 30),
            ibot_case("one_crop_warm", 3, 16, 5, 1, 0.07, 0.1, 31),
        ],
        "ibot_full": [
            ibot_full_case("two_globals", 4, 9, 7, 2, 0, 0.04, 0.05, 0.1, 1.0, 1.0, 40),
            ibot_full_case("with_locals_weighted", 3, 16, 6, 2, 3, 0.07, 0.06, 0.1, 0.5, 2.0, 41),
        ],
    }
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "SslSharp.Tests", "Fixtures", "mim.json")
    with open(path, "w") as f:
        json.dump(out, f)
    for c in out["mae"]:
        print("mae", c["name"], c["loss"], "all patches", c["loss_all_patches"])
    for c in out["ijepa"]:
        print("ijepa", c["name"], c["loss"], "share |d| < beta", c["share_below_beta"])
    for c in out["ibot"]:
        print("ibot", c["name"], c["loss"])
    for c in out["ibot_full"]:
        print("ibot_full", c["name"], c["loss"], c["loss_cls"], c["loss_patch"])


if __name__ == "__main__":
    main()
