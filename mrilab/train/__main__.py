"""``python -m mrilab.train``: train the networks that ship in ``weights/``.

    python -m mrilab.train kspace-unet [--data data/mri_dataset.h5] [--out weights/kspace_unet.pt]
    python -m mrilab.train cascade --stage1 weights/kspace_unet.pt [--out weights/cascade.pt]
    python -m mrilab.train kspace-unet --preset realistic     # weights/kspace_unet_realistic.pt
    python -m mrilab.train cascade --preset realistic         # weights/cascade_realistic.pt
    python -m mrilab.train unrolled                           # weights/unrolled_realistic.pt
    torchrun --nproc_per_node 2 -m mrilab.train unrolled ...  # the same, on 2 processes (DDP)
    python -m mrilab.train unrolled-multicoil                 # weights/unrolled_multicoil.pt (Part V)
    python -m mrilab.train unrolled-robust                    # weights/unrolled_robust.pt (Part VII)
    python -m mrilab.train unrolled-multicoil-robust          # weights/unrolled_multicoil_robust.pt
    python -m mrilab.train unrolled-varied                    # weights/unrolled_varied.pt (Part VIII)
    python -m mrilab.train unrolled-ssdu                      # weights/unrolled_ssdu.pt (Part VII)
    python -m mrilab.train unrolled-ssdu --multicoil          # weights/unrolled_multicoil_ssdu.pt
    python -m mrilab.train unrolled-nufft                     # weights/unrolled_nufft.pt (Part VI, radial)
    python -m mrilab.train unrolled-nufft --multicoil         # weights/unrolled_nufft_multicoil.pt
    python -m mrilab.train unrolled-dynamic                   # weights/unrolled_dynamic.pt (Part XI, cine)
    python -m mrilab.train denoiser                           # weights/denoiser_realistic.pt (Part VII)
    python -m mrilab.train sampling                           # weights/sampling/ (Part IX, learned masks)
    python -m mrilab.train denoiser --family randomized       # weights/denoiser_randomized.pt (Part VII)
    python -m mrilab.train score                              # weights/score_realistic.pt (Part XII)

``--preset`` picks the dataset (``data/mri_dataset.h5`` or ``data/mri_dataset_realistic.h5``),
the checkpoint and the stage-1 network of the weight set; ``--data``, ``--out`` and ``--stage1``
override them. On data with noise, the noise of every training batch is drawn afresh
(:class:`mrilab.train.FreshNoise`).

Each run seeds torch and numpy, trains on the training split (its last ``--n-val`` phantoms
held out for validation), then evaluates on the 20 test phantoms, prints the figures and the
wall time, and saves a checkpoint with the config and the test metrics. ``--device cuda``
trains on a GPU where one exists.

The unrolled network (:class:`mrilab.models.Unrolled`, Part IV) trains on the realistic data
only, on bands of rows with fresh noise of every level in ``--noise-min``..``--noise-max``
(:mod:`mrilab.train.unrolled`); ``--amp`` adds mixed precision, and the same command runs
under ``torchrun`` on several processes or machines (``--batch-size`` stays the global batch).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ..data import DEFAULT_PATHS, DEFAULTS, MULTICOIL_DEFAULTS, load_dataset
from ..registry import weights_path
from ..metrics import evaluate
from ..models import Cascade, KSpaceUNet
from . import combined_loss, fit, load_model, loaders, predict, save_checkpoint

from .recipes import (DENOISER, DENOISER_RANDOMIZED, RECIPES, SCORE, UNROLLED, UNROLLED_MULTICOIL,  # noqa: F401
                      UNROLLED_MULTICOIL_ROBUST, UNROLLED_MULTICOIL_SSDU, UNROLLED_NUFFT, UNROLLED_NUFFT_MULTICOIL,
                      SAMPLING, UNROLLED_DYNAMIC, UNROLLED_ROBUST, UNROLLED_SSDU, UNROLLED_VARIED)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mrilab.train", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="network", required=True)
    for name, recipe in RECIPES.items():
        p = sub.add_parser(name, help=f"train the {name}")
        p.add_argument("--preset", choices=["seed", "realistic"], default="seed",
                       help="the dataset and weight set (seed: chapters 8-10; realistic: Part IV)")
        p.add_argument("--data", default=None, help="dataset (default: the preset's)")
        p.add_argument("--out", default=None, help="checkpoint to write (default: the weight set's)")
        p.add_argument("--epochs", type=int, default=recipe["epochs"])
        p.add_argument("--lr", type=float, default=recipe["lr"], help="peak learning rate (Adam, cosine decay)")
        p.add_argument("--batch-size", type=int, default=recipe["batch_size"])
        p.add_argument("--chans", type=int, default=recipe["chans"], help="U-Net channels at the top level")
        p.add_argument("--pools", type=int, default=recipe["pools"], help="U-Net pooling layers")
        p.add_argument("--n-val", type=int, default=20, help="training phantoms held out for validation")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--device", default="cpu", help="cpu or cuda")
        p.add_argument("--max-minutes", type=float, default=None, help="stop after the epoch that passes this")
        p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
        if name == "cascade":
            p.add_argument("--stage1", default=None,
                           help="trained k-space U-Net checkpoint (frozen; default: the weight set's)")
            p.add_argument("--l1-weight", type=float, default=1e-7, help="L1 penalty on the refinement weights")
            p.add_argument("--alpha", type=float, default=0.5, help="loss = alpha L1 + (1 - alpha) MSE")
    p = sub.add_parser("unrolled", help="train the unrolled network (MoDL; realistic data)")
    _unrolled_arguments(p, UNROLLED, "realistic", "weights/unrolled_realistic.pt")
    p.add_argument("--scales", type=int, choices=[1, 2], default=UNROLLED["scales"],
                   help="2: the denoiser's middle layers at half resolution")
    p.add_argument("--dc", choices=["soft", "hard", "gradient"], default=UNROLLED["dc"], help="the data step")
    p = sub.add_parser("unrolled-robust", help="the unrolled network on mixed accelerations and noise (Part VII)")
    _unrolled_arguments(p, UNROLLED_ROBUST, "realistic", "weights/unrolled_robust.pt")
    p.add_argument("--scales", type=int, choices=[1, 2], default=UNROLLED_ROBUST["scales"],
                   help="2: the denoiser's middle layers at half resolution")
    p.add_argument("--dc", choices=["soft", "hard", "gradient"], default=UNROLLED_ROBUST["dc"], help="the data step")
    p = sub.add_parser("unrolled-varied", help="the robust network retrained with a scanner's variation: object size and "
                                              "orientation, one coil's shading, phase, noise up to 0.06 (chapter 24)")
    _unrolled_arguments(p, UNROLLED_VARIED, "realistic", "weights/unrolled_varied.pt")
    p.add_argument("--scales", type=int, choices=[1, 2], default=UNROLLED_VARIED["scales"],
                   help="2: the denoiser's middle layers at half resolution")
    p.add_argument("--dc", choices=["soft", "hard", "gradient"], default=UNROLLED_VARIED["dc"], help="the data step")
    p.add_argument("--zoom", type=float, nargs=2, metavar=("LOW", "HIGH"),
                   default=UNROLLED_VARIED["variation"]["zoom"], help="shrink factors of the object (1: as stored)")
    p.add_argument("--shading", type=float, nargs=2, metavar=("LOW", "HIGH"),
                   default=UNROLLED_VARIED["variation"]["shading"],
                   help="weight of one coil's sensitivity against a uniform one (0: none)")
    p.add_argument("--coil-radius", type=float, nargs=2, metavar=("LOW", "HIGH"),
                   default=UNROLLED_VARIED["variation"]["coil_radius"],
                   help="the coil's distance from the centre in half fields of view (above 1)")
    p.add_argument("--phase", type=float, nargs=2, metavar=("LOW", "HIGH"), default=UNROLLED_VARIED["variation"]["phase"],
                   help="span of the added smooth phase in radians (0 0: none)")
    p.add_argument("--no-orient", dest="orient", action="store_false",
                   help="keep the images' orientation (default: turned and mirrored at random)")
    p = sub.add_parser("unrolled-multicoil", help="train the multi-coil unrolled network (MoDL with coils; Part V)")
    _unrolled_arguments(p, UNROLLED_MULTICOIL, "multicoil", "weights/unrolled_multicoil.pt")
    p.add_argument("--cg-iterations", type=int, default=UNROLLED_MULTICOIL["cg_iterations"],
                   help="conjugate-gradient iterations of each data step")
    p.add_argument("--fixed-lattice", action="store_true",
                   help="train on the dataset's one regular mask (default: a random lattice offset per sample)")
    p = sub.add_parser("unrolled-multicoil-robust",
                       help="the multi-coil unrolled network on mixed accelerations and noise, from chapter 16's "
                            "weights (Part VII)")
    _unrolled_arguments(p, UNROLLED_MULTICOIL_ROBUST, "multicoil", "weights/unrolled_multicoil_robust.pt")
    p.add_argument("--cg-iterations", type=int, default=UNROLLED_MULTICOIL["cg_iterations"],
                   help="conjugate-gradient iterations of each data step")
    p.set_defaults(fixed_lattice=False)
    p = sub.add_parser("unrolled-ssdu", help="the unrolled network from undersampled data only (SSDU; Part VII)")
    _unrolled_arguments(p, UNROLLED_SSDU, "realistic", "weights/unrolled_ssdu.pt "
                        "(--multicoil: weights/unrolled_multicoil_ssdu.pt)")
    p.set_defaults(data=None, batch_size=None, lr=None, epochs=None, init_denoiser=None)  # per coil model
    p.add_argument("--multicoil", action="store_true",
                   help="the multi-coil network on the multi-coil data (default data: the multicoil dataset; "
                        "the defaults of --batch-size, --lr, --epochs and --init-denoiser are its recipe's, "
                        "UNROLLED_MULTICOIL_SSDU)")
    p.add_argument("--split-ratio", type=float, default=UNROLLED_SSDU["split_ratio"],
                   help="share of each scan's measured columns held out for the loss (rho = |Lambda| / |Omega|)")
    p.add_argument("--scales", type=int, choices=[1, 2], default=UNROLLED_SSDU["scales"],
                   help="2: the denoiser's middle layers at half resolution (single coil)")
    p.add_argument("--dc", choices=["soft", "hard", "gradient"], default=UNROLLED_SSDU["dc"],
                   help="the data step (single coil)")
    p.add_argument("--cg-iterations", type=int, default=UNROLLED_MULTICOIL["cg_iterations"],
                   help="conjugate-gradient iterations of each data step (multi-coil)")
    p = sub.add_parser("unrolled-nufft", help="the unrolled network on radial k-space (Toeplitz data step; Part VI)")
    r = UNROLLED_NUFFT
    _common_arguments(p, r, "radial", "weights/unrolled_nufft.pt (--multicoil: weights/unrolled_nufft_multicoil.pt)",
                      "images per step")
    p.set_defaults(data=None)
    p.add_argument("--multicoil", action="store_true", help="coils: the radial_multicoil data, maps from the centre")
    p.add_argument("--iterations", type=int, default=r["iterations"], help="K, the unrolled iterations")
    p.add_argument("--chans", type=int, default=r["chans"], help="channels of the denoiser")
    p.add_argument("--layers", type=int, default=r["layers"], help="convolutions of the denoiser")
    p.add_argument("--cg-iterations", type=int, default=r["cg_iterations"],
                   help="conjugate-gradient iterations of each data step")
    p.add_argument("--init-weight", type=float, default=r["init_weight"], help="initial lambda of each data step")
    p.add_argument("--spokes", type=int, nargs="+", default=list(r["spokes"]),
                   help="spoke counts drawn per training sample")
    p.add_argument("--first-spokes", action="store_true",
                   help="always the first spokes (default: a random window of consecutive spokes)")
    p.add_argument("--noise-min", type=float, default=r["noise"][0], help="fresh noise added to the stored samples")
    p.add_argument("--noise-max", type=float, default=r["noise"][1])
    p.add_argument("--loss", choices=["l1", "ssim", "mixed"], default=r["loss"])
    p.add_argument("--init-denoiser", default=None, metavar="CHECKPOINT",
                   help=f"start the denoiser from this unrolled network's ('none': from the seeded initialisation; "
                        f"default {r['init_denoiser']}, with --multicoil none)")
    p.add_argument("--init", default=None, metavar="CHECKPOINT",
                   help=f"start the whole network from this UnrolledNUFFT checkpoint ('none': do not; default "
                        f"none, with --multicoil {UNROLLED_NUFFT_MULTICOIL['init']})")
    _run_arguments(p)
    p = sub.add_parser("unrolled-dynamic", help="the unrolled network in time on cine movies ((2+1)D denoiser, CG "
                                                "data step; Part XI); its movies are generated in memory")
    r = UNROLLED_DYNAMIC
    p.add_argument("--out", default=None, help="checkpoint to write (default: weights/unrolled_dynamic.pt)")
    p.add_argument("--epochs", type=int, default=r["epochs"], help="passes over the training movies")
    p.add_argument("--lr", type=float, default=r["lr"], help="peak learning rate (Adam, one-cycle)")
    p.add_argument("--batch-size", type=int, default=r["batch_size"], help="bands of movies per step")
    p.add_argument("--n-movies", type=int, default=r["n_movies"], help="training movies of the cine_multicoil preset")
    p.add_argument("--iterations", type=int, default=r["iterations"], help="K, the unrolled iterations")
    p.add_argument("--chans", type=int, default=r["chans"], help="channels of the denoiser")
    p.add_argument("--layers", type=int, default=r["layers"], help="(2+1)D blocks of the denoiser")
    p.add_argument("--cg-iterations", type=int, default=r["cg_iterations"],
                   help="conjugate-gradient iterations of each data step")
    p.add_argument("--init-weight", type=float, default=r["init_weight"], help="initial lambda of each data step")
    p.add_argument("--band", type=int, default=r["band"], help="rows per training sample (128: whole movies)")
    p.add_argument("--accelerations", type=float, nargs=2, metavar=("LOW", "HIGH"), default=list(r["accelerations"]),
                   help="each sample's k-t masks have an acceleration drawn from LOW..HIGH")
    p.add_argument("--noise-min", type=float, default=r["noise"][0], help="fresh k-space noise per sample")
    p.add_argument("--noise-max", type=float, default=r["noise"][1])
    p.add_argument("--loss", choices=["l1", "ssim", "mixed"], default=r["loss"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-minutes", type=float, default=None, help="stop after the epoch that passes this")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p = sub.add_parser("denoiser", help="train the plug-and-play denoiser (realistic images; Part VII)")
    _denoiser_arguments(p, DENOISER, "weights/denoiser_realistic.pt")
    p.add_argument("--noise-max", type=float, default=DENOISER["noise"][1], help="largest training noise level")
    p.add_argument("--family", choices=["realistic", "randomized"], default="realistic",
                   help="the training images: the realistic dataset's (default), or domain-randomised objects "
                        f"drawn in memory ({DENOISER_RANDOMIZED['n_images']} images, "
                        f"{DENOISER_RANDOMIZED['epochs']} epochs unless --epochs is given; no ellipse, no real image)")
    _run_arguments(p)
    p = sub.add_parser("score", help="train the score model of posterior sampling (realistic images; Part XII)")
    _denoiser_arguments(p, SCORE, "weights/score_realistic.pt")
    p.add_argument("--noise-min", type=float, default=SCORE["noise"][0], help="smallest training noise level")
    p.add_argument("--noise-max", type=float, default=SCORE["noise"][1], help="largest training noise level")
    p.add_argument("--init", default=SCORE["init"], metavar="CHECKPOINT",
                   help=f"start from this denoiser's weights ('none': from the seeded initialisation; default {SCORE['init']})")
    _run_arguments(p)
    p = sub.add_parser("sampling", help="chapter 27's masks (variable density, greedy, LOUPE) at R = 4 and 8, each "
                                        "with chapter 12's network fine-tuned for it (Part IX)")
    p.add_argument("--data", default=DEFAULT_PATHS["realistic"], help="dataset (default: the realistic one)")
    p.add_argument("--out-dir", default="weights/sampling", help="folder of the checkpoints (default: weights/sampling)")
    p.add_argument("--epochs", type=int, default=SAMPLING["epochs"], help="fine-tuning epochs of each mask's network")
    p.add_argument("--loupe-epochs", type=int, default=SAMPLING["loupe_epochs"], help="epochs of LOUPE's joint training")
    p.add_argument("--greedy-candidates", type=int, default=SAMPLING["greedy_candidates"],
                   help="free columns scored per greedy step")
    p.add_argument("--accelerations", type=float, nargs="+", default=list(SAMPLING["accelerations"]))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p = sub.add_parser("ablations", help="train chapter 12's ablations of the unrolled network, chapter 21's "
                                         "capacity comparison and chapter 23's self-supervised ones")
    p.add_argument("--only", nargs="+", default=None, help="some of them (default: all)")
    p.add_argument("--data", default=DEFAULT_PATHS["realistic"])
    p.add_argument("--out-dir", default=None, help="folder (default: weights/ablations)")
    return parser


def _common_arguments(p: argparse.ArgumentParser, r: dict, preset: str, out: str, batch: str) -> None:
    """Data, checkpoint and optimiser options of the Part IV-VII networks."""
    p.add_argument("--data", default=DEFAULT_PATHS[preset], help=f"dataset (default: the {preset} one)")
    p.add_argument("--out", default=None, help=f"checkpoint to write (default: {out})")
    p.add_argument("--epochs", type=int, default=r["epochs"], help="passes over the training images")
    p.add_argument("--lr", type=float, default=r["lr"], help="peak learning rate (Adam, one-cycle)")
    p.add_argument("--batch-size", type=int, default=r["batch_size"], help=batch)


def _denoiser_arguments(p: argparse.ArgumentParser, r: dict, out: str) -> None:
    """Data, optimiser and U-Net options of the noise-level denoisers (plug-and-play's and the score model)."""
    _common_arguments(p, r, "realistic", out, "patches per step")
    p.add_argument("--chans", type=int, default=r["chans"], help="channels at full resolution")
    p.add_argument("--levels", type=int, default=r["levels"], help="down-sampling levels of the U-Net")
    p.add_argument("--patch", type=int, default=r["patch"], help="side of the training crops")


def _run_arguments(p: argparse.ArgumentParser) -> None:
    """Validation, seed, time and thread options of the Part IV-VII networks."""
    p.add_argument("--n-val", type=int, default=20, help="training images held out for validation")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-minutes", type=float, default=None, help="stop after the epoch that passes this")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads per process")


def _unrolled_arguments(p: argparse.ArgumentParser, r: dict, preset: str, out: str) -> None:
    """The options shared by the single- and multi-coil unrolled networks."""
    _common_arguments(p, r, preset, out, "global batch (bands)")
    p.add_argument("--iterations", type=int, default=r["iterations"], help="K, the unrolled iterations")
    p.add_argument("--chans", type=int, default=r["chans"], help="channels of the denoiser")
    p.add_argument("--layers", type=int, default=r["layers"], help="convolutions of the denoiser")
    p.add_argument("--separate", action="store_true", default=r.get("separate", False),
                   help="one denoiser per iteration (default: " + ("separate" if r.get("separate") else "shared") + ")")
    p.add_argument("--shared", dest="separate", action="store_false", help="one denoiser for every iteration")
    p.add_argument("--init-weight", type=float, default=r["init_weight"],
                   help="initial weight of the measurements in each data step")
    p.add_argument("--band", type=int, default=r["band"], help="rows per training sample (128: whole images)")
    p.add_argument("--noise-min", type=float, default=r["noise"][0])
    p.add_argument("--noise-max", type=float, default=r["noise"][1])
    p.add_argument("--accelerations", type=float, nargs=2, metavar=("LOW", "HIGH"), default=r.get("accelerations"),
                   help="a fresh mask per sample, of an acceleration drawn from LOW..HIGH (default: "
                        + ("%g..%g" % tuple(r["accelerations"]) if r.get("accelerations") else "the dataset's masks")
                        + ")")
    p.add_argument("--loss", choices=["l1", "ssim", "mixed"], default=r["loss"],
                   help="training loss on magnitudes (mixed: 0.84 (1 - SSIM) + 0.16 L1)")
    p.add_argument("--unsampled-edge", type=int, default=0, metavar="N",
                   help="remove the N outermost k-space columns at each edge from every training and test mask "
                        "(a protocol that never samples them; chapter 23's blind spot)")
    p.add_argument("--init", default=r.get("init"), metavar="CHECKPOINT",
                   help="start from this checkpoint's weights (a network of the same architecture, or its shared "
                        "denoiser untied with --separate) instead of the seeded initialisation: a warm start, "
                        "e.g. from the R = 4 network before mixed protocols" + (f" (default: {r['init']})" if r.get("init") else ""))
    p.add_argument("--init-denoiser", default=r.get("init_denoiser"), metavar="CHECKPOINT",
                   help="start the denoiser(s) from this unrolled network's (any data step, one coil or many; a "
                        "shared denoiser is copied into each of --separate's), the data weights from their "
                        "initial value ('none': from the seeded initialisation)"
                        + (f" (default: {r['init_denoiser']})" if r.get("init_denoiser") else ""))
    _run_arguments(p)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (under torchrun: cuda)")
    p.add_argument("--amp", action="store_true", help="mixed precision (float16 on CUDA, bfloat16 on CPU)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.network == "unrolled-nufft":
        return _run_unrolled_nufft(args)
    if args.network == "unrolled-dynamic":
        return _run_unrolled_dynamic(args)
    if args.network.startswith("unrolled"):
        return _run_unrolled(args)
    if args.network == "ablations":
        return _run_ablations(args)
    if args.network == "denoiser":
        return _run_denoiser(args)
    if args.network == "score":
        return _run_score(args)
    if args.network == "sampling":
        return _run_sampling(args)
    method = args.network.replace("-", "_")
    args.data = args.data or DEFAULT_PATHS[args.preset]
    args.out = args.out or str(weights_path(method, args.preset))
    if args.network == "cascade":
        args.stage1 = args.stage1 or str(weights_path("kspace_unet", args.preset))
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("error: --device cuda asked for, but torch sees no GPU; use --device cpu", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)  # nothing in mrilab uses it; third-party code might
    start = time.perf_counter()
    stage1 = load_model(args.stage1, expected="KSpaceUNet") if args.network == "cascade" else None
    train_loader, val_loader = loaders(args.data, n_val=args.n_val, batch_size=args.batch_size, seed=args.seed)
    if args.network == "kspace-unet":
        model = KSpaceUNet(chans=args.chans, num_pool_layers=args.pools)
        loss_fn, penalty = torch.nn.functional.l1_loss, None
    else:
        model = Cascade(stage1, refine_config=dict(chans=args.chans, num_pool_layers=args.pools))
        loss_fn = combined_loss(args.alpha)
        penalty = (lambda: args.l1_weight * model.l1_penalty()) if args.l1_weight > 0 else None
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=args.lr)
    steps = args.epochs * len(train_loader)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=steps,
                                                    pct_start=0.15)
    n_params = sum(p.numel() for p in params)
    print(f"training {args.network}: {n_params:,} trainable parameters, {len(train_loader.dataset)} "
          f"training / {len(val_loader.dataset)} validation phantoms, {args.epochs} epochs on {args.device}")
    history = fit(model, train_loader, val_loader, optimizer=optimizer, loss_fn=loss_fn, epochs=args.epochs,
                  device=args.device, penalty=penalty, scheduler=scheduler,
                  max_seconds=None if args.max_minutes is None else 60 * args.max_minutes)
    train_seconds = time.perf_counter() - start
    model.to("cpu")
    test = load_dataset(args.data, "test")
    t0 = time.perf_counter()
    pred = predict(model, test.kspace_undersampled, test.masks)
    infer = time.perf_counter() - t0
    scores = evaluate(test.phantoms, pred)
    metrics = {f"test_{k}": float(v.mean()) for k, v in scores.items()}
    info = dict(network=args.network, epochs=len(history["loss"]), lr=args.lr, batch_size=args.batch_size,
                seed=args.seed, n_val=args.n_val, train_seconds=round(train_seconds, 1),
                dataset={k: test.attrs.get(k) for k in DEFAULTS},
                history={k: [float(x) for x in v] for k, v in history.items() if k != "batch_loss"})
    path = save_checkpoint(model, args.out, metrics=metrics, info=info)
    size = path.stat().st_size / 2 ** 20
    print(f"test ({len(test)} phantoms): PSNR {metrics['test_psnr']:.2f} dB, SSIM {metrics['test_ssim']:.4f}, "
          f"RMSE {metrics['test_rmse']:.4f}; inference {infer:.2f} s for {len(test)} images")
    print(f"wrote {path} ({size:.1f} MiB); wall time {train_seconds:.0f} s ({train_seconds / 60:.1f} min)")
    return 0


def _run_sampling(args: argparse.Namespace) -> int:
    from .sampling import train_sampling

    if args.threads:
        torch.set_num_threads(args.threads)
    for name in ("init", "proxy"):
        if not Path(SAMPLING[name]).is_file():
            raise FileNotFoundError(f"the {name} network {SAMPLING[name]} is missing; train it first (make weights)")
    recipe = dict(SAMPLING, epochs=args.epochs, loupe_epochs=args.loupe_epochs,
                  greedy_candidates=args.greedy_candidates, accelerations=tuple(args.accelerations))
    start = time.perf_counter()
    train, test = load_dataset(args.data, "train"), load_dataset(args.data, "test")
    paths = train_sampling(train, test, out_dir=args.out_dir, recipe=recipe, seed=args.seed)
    minutes = (time.perf_counter() - start) / 60
    print(f"wrote {len(paths)} checkpoints to {args.out_dir}; wall time {minutes:.1f} min")
    return 0


def _run_unrolled(args: argparse.Namespace) -> int:
    from ..models import Unrolled, UnrolledMulticoil
    from .unrolled import MulticoilBands, NoisyBands, distributed_context, fit_unrolled

    from .ssdu import KSpaceObjective, SelfSupervisedBands, without_edges

    ssdu = args.network == "unrolled-ssdu"
    multicoil = args.network in ("unrolled-multicoil", "unrolled-multicoil-robust") or (ssdu and args.multicoil)
    weight_set = ("self_supervised" if ssdu else "robust" if args.network.endswith("robust")
                  else "varied" if args.network == "unrolled-varied" else "multicoil" if multicoil else "realistic")
    variation = None
    if args.network == "unrolled-varied":
        from .variation import ScannerVariation

        variation = ScannerVariation(zoom=tuple(args.zoom), shading=tuple(args.shading),
                                     coil_radius=tuple(args.coil_radius), orient=args.orient, phase=tuple(args.phase))
    args.out = args.out or str(weights_path("unrolled_multicoil" if multicoil else "unrolled", weight_set))
    if ssdu:
        args.data = args.data or DEFAULT_PATHS["multicoil" if multicoil else "realistic"]
        recipe = UNROLLED_MULTICOIL_SSDU if multicoil else UNROLLED_SSDU
        for key in ("batch_size", "lr", "epochs", "init_denoiser"):  # the recipe's, where not given
            if getattr(args, key) is None:
                setattr(args, key, recipe.get(key))
        if args.accelerations:
            raise ValueError("--accelerations does not apply to SSDU: it trains on the stored measurements")
        args.fixed_lattice = True
        args.loss = "kspace"  # the loss on the held-out columns (mrilab.train.ssdu)
    if args.init_denoiser == "none":
        args.init_denoiser = None
    accelerations = tuple(args.accelerations) if args.accelerations else None
    with distributed_context(args.device) as (rank, world):
        device = torch.device(args.device)
        if device.type == "cuda":
            if not torch.cuda.is_available():
                raise ValueError("--device cuda asked for, but torch sees no GPU; use --device cpu")
            if world > 1:
                device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            if device.index is not None:
                torch.cuda.set_device(device)
        start = time.perf_counter()
        train, n_fit = _seeded_training_split(args)  # the same initial weights in every process
        if args.unsampled_edge:
            if accelerations:
                raise ValueError("--unsampled-edge applies to the dataset's masks; it cannot be combined with "
                                 "--accelerations, which draws fresh masks")
            train = without_edges(train, args.unsampled_edge)
        noise = (args.noise_min, args.noise_max)
        if multicoil:
            if train.maps is None:
                raise ValueError(f"{args.data} has no coil axis; make the multi-coil dataset with "
                                 f"`python -m mrilab.data --preset multicoil`")
            maps = _estimated_maps(train)  # from the ACS, as at test time
            if ssdu:
                train_set = SelfSupervisedBands(train, band=args.band, split_ratio=args.split_ratio, seed=args.seed,
                                                indices=range(n_fit), maps=maps)
            else:
                train_set = MulticoilBands(train, maps, band=args.band, noise_range=noise, seed=args.seed,
                                           indices=range(n_fit), lattice_offsets=not args.fixed_lattice,
                                           accelerations=accelerations)
            model = UnrolledMulticoil(iterations=args.iterations, chans=args.chans, layers=args.layers,
                                      shared=not args.separate, cg_iterations=args.cg_iterations,
                                      init_weight=args.init_weight)
        else:
            if ssdu:
                train_set = SelfSupervisedBands(train, band=args.band, split_ratio=args.split_ratio, seed=args.seed,
                                                indices=range(n_fit))
            else:
                train_set = NoisyBands(train, band=args.band, noise_range=noise, seed=args.seed,
                                       indices=range(n_fit), accelerations=accelerations, variation=variation)
            model = Unrolled(iterations=args.iterations, chans=args.chans, layers=args.layers, scales=args.scales,
                             shared=not args.separate, dc=args.dc, init_weight=args.init_weight)
        if args.init:
            _warm_start(model, args.init)
        if args.init_denoiser:
            _init_denoisers(model, args.init_denoiser)
        val = train.subset(range(n_fit, len(train)))
        if multicoil:
            val.estimated_maps = maps[n_fit:]
        main_rank = rank == 0
        if main_rank:
            n_params = sum(p.numel() for p in model.parameters())
            step = f"CG data step ({args.cg_iterations} iterations)" if multicoil else f"{args.dc} data step"
            what = (f"their stored measurements only, {args.split_ratio:g} of each scan's columns held out "
                    f"for the loss" if ssdu else f"noise {args.noise_min}-{args.noise_max}")
            print(f"training {args.network} (K={args.iterations}, {'separate' if args.separate else 'shared'} "
                  f"denoisers, {step}): {n_params:,} parameters, {n_fit} training images in "
                  f"bands of {args.band} rows, {what}, "
                  f"{'R %g-%g' % accelerations if accelerations else 'the dataset masks'}, {args.n_val} validation "
                  f"images, {args.epochs} epochs of batch {args.batch_size} on {world} process(es), {device}"
                  + (f", started from {args.init}" if args.init else "")
                  + (f", denoiser from {args.init_denoiser}" if args.init_denoiser else ""))
        # SSDU: the k-space of the output on the held-out columns, and no validation against references
        history = fit_unrolled(KSpaceObjective(model) if ssdu else model, train_set,
                               val if main_rank and not ssdu else None, epochs=args.epochs,
                               batch_size=args.batch_size, lr=args.lr, loss=args.loss,
                               seed=args.seed,
                               device=device, amp=args.amp, rank=rank, world=world,
                               max_seconds=None if args.max_minutes is None else 60 * args.max_minutes)
        train_seconds = time.perf_counter() - start
        if not main_rank:
            return 0
        model.to("cpu")
        test = load_dataset(args.data, "test")
        if args.unsampled_edge:
            test = without_edges(test, args.unsampled_edge)
        t0 = time.perf_counter()
        test_maps = _estimated_maps(test) if multicoil else None
        pred = predict(model, test.kspace_undersampled, test.masks, maps=test_maps)
        infer = time.perf_counter() - t0
        metrics = {f"test_{k}": float(v.mean()) for k, v in evaluate(test.phantoms, pred).items()}
        info = dict(network=args.network, epochs=len(history["loss"]), lr=args.lr, batch_size=args.batch_size,
                    band=args.band, noise_range=None if ssdu else [args.noise_min, args.noise_max],
                    loss=args.loss, split_ratio=args.split_ratio if ssdu else None,
                    accelerations=list(accelerations) if accelerations else None,
                    variation=None if variation is None else variation.record(),
                    unsampled_edge=args.unsampled_edge, init=args.init, init_denoiser=args.init_denoiser,
                    seed=args.seed, n_val=args.n_val, processes=world,
                    lattice_offsets=bool(multicoil and not args.fixed_lattice), device=str(device), amp=args.amp,
                    train_seconds=round(train_seconds, 1),
                    dataset={k: test.attrs.get(k) for k in (*DEFAULTS, *MULTICOIL_DEFAULTS) if k in test.attrs},
                    history={k: [float(x) for x in v] for k, v in history.items()})
        path = save_checkpoint(model, args.out, metrics=metrics, info=info)
        print(f"test ({len(test)} images, noise {test.attrs.get('noise_std')}): PSNR {metrics['test_psnr']:.2f} "
              f"dB, SSIM {metrics['test_ssim']:.4f}, RMSE {metrics['test_rmse']:.4f}; inference "
              f"{infer:.2f} s for {len(test)} images")
        print(f"wrote {path} ({path.stat().st_size / 2 ** 10:.0f} KiB); wall time {train_seconds:.0f} s "
              f"({train_seconds / 60:.1f} min)")
    return 0


def _run_unrolled_nufft(args: argparse.Namespace) -> int:
    from ..models import UnrolledNUFFT
    from .nufft import RadialSamples, predict_nufft
    from .unrolled import fit_unrolled

    preset = "radial_multicoil" if args.multicoil else "radial"
    recipe = UNROLLED_NUFFT_MULTICOIL if args.multicoil else UNROLLED_NUFFT
    for key in ("epochs", "lr"):  # the multi-coil recipe where the options were left at the single-coil one's
        if getattr(args, key) == UNROLLED_NUFFT[key]:
            setattr(args, key, recipe[key])
    args.init = recipe.get("init") if args.init is None else None if args.init == "none" else args.init
    args.init_denoiser = (recipe["init_denoiser"] if args.init_denoiser is None else None
                          if args.init_denoiser == "none" else args.init_denoiser)
    args.data = args.data or DEFAULT_PATHS[preset]
    args.out = args.out or str(weights_path("unrolled_nufft", preset))
    start = time.perf_counter()
    train, n_fit = _seeded_training_split(args)
    if train.kdata is None:
        raise ValueError(f"{args.data} holds no radial samples; make it with `python -m mrilab.data --preset {preset}`")
    if (train.kdata.ndim == 3) != args.multicoil:
        raise ValueError(f"{args.data} is {'multi' if train.kdata.ndim == 3 else 'single'}-coil data; "
                         f"{'drop' if train.kdata.ndim == 2 else 'add'} --multicoil, or pass the other dataset")
    data = RadialSamples(train, spokes=args.spokes, noise_range=(args.noise_min, args.noise_max),
                         windows=not args.first_spokes, seed=args.seed, indices=range(n_fit))
    model = UnrolledNUFFT(iterations=args.iterations, chans=args.chans, layers=args.layers,
                          cg_iterations=args.cg_iterations, init_weight=args.init_weight)
    if args.init:
        _warm_start(model, args.init)
    if args.init_denoiser:
        _init_denoisers(model, args.init_denoiser)
    print(f"training unrolled-nufft (K={args.iterations}, CG data step of {args.cg_iterations} iterations, density "
          f"weighted): {sum(p.numel() for p in model.parameters()):,} parameters, {n_fit} {preset} training images, "
          f"{'the first' if args.first_spokes else 'windows of'} {args.spokes} spokes, fresh noise "
          f"{args.noise_min}-{args.noise_max}, {args.epochs} epochs of batch {args.batch_size}"
          + (f", denoiser from {args.init_denoiser}" if args.init_denoiser else "")
          + (f", started from {args.init}" if args.init else ""))
    history = fit_unrolled(model, data, None, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                           loss=args.loss, seed=args.seed,
                           max_seconds=None if args.max_minutes is None else 60 * args.max_minutes)
    train_seconds = time.perf_counter() - start
    test = load_dataset(args.data, "test")
    metrics, per = {}, test.trajectory.shape[1]
    for n in sorted(set(args.spokes)):  # the first n spokes of the test split
        t0 = time.perf_counter()
        pred = predict_nufft(model, test.kdata[..., :n * per], test.trajectory[:n], test.phantoms.shape[-2:])
        infer = time.perf_counter() - t0
        scores = {k: float(v.mean()) for k, v in evaluate(test.phantoms, pred).items()}
        metrics.update({f"test_{k}_{n}": v for k, v in scores.items()})
        print(f"test, first {n} spokes ({len(test)} images, noise {test.attrs.get('noise_std')}): PSNR "
              f"{scores['psnr']:.2f} dB, SSIM {scores['ssim']:.4f}; inference {infer:.2f} s")
    low = min(args.spokes)
    metrics.update({f"test_{k}": metrics[f"test_{k}_{low}"] for k in ("psnr", "ssim", "rmse")})
    info = dict(network=args.network, epochs=len(history["loss"]), lr=args.lr, batch_size=args.batch_size,
                spokes=list(args.spokes), windows=not args.first_spokes, noise_range=[args.noise_min, args.noise_max],
                loss=args.loss, init_denoiser=args.init_denoiser, init=args.init, seed=args.seed, n_val=args.n_val,
                train_seconds=round(train_seconds, 1),
                dataset={k: test.attrs.get(k) for k in (*DEFAULTS, *MULTICOIL_DEFAULTS, "n_spokes", "n_samples")
                         if k in test.attrs},
                history={k: [float(x) for x in v] for k, v in history.items()})
    path = save_checkpoint(model, args.out, metrics=metrics, info=info)
    print(f"wrote {path} ({path.stat().st_size / 2 ** 10:.0f} KiB); wall time {train_seconds:.0f} s "
          f"({train_seconds / 60:.1f} min)")
    return 0


def _run_unrolled_dynamic(args: argparse.Namespace) -> int:
    from ..data.cine import generate_cine, heart_box, remeasure_cine
    from ..dynamic import time_averaged_maps
    from ..metrics import movie_psnr, movie_ssim
    from ..models import UnrolledDynamic
    from .dynamic import CineBands, training_movies
    from .unrolled import fit_unrolled

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    args.out = args.out or str(weights_path("unrolled_dynamic", "dynamic"))
    start = time.perf_counter()
    split, maps = training_movies(args.n_movies, seed=args.seed)
    data = CineBands(split, maps, band=args.band, accelerations=tuple(args.accelerations),
                     noise_range=(args.noise_min, args.noise_max), seed=args.seed)
    attrs, size = dict(split.attrs), int(split.phantoms.shape[-1])
    del split, maps  # the samples keep what they need (the coil images); the rest is about 2 GB
    model = UnrolledDynamic(iterations=args.iterations, chans=args.chans, layers=args.layers,
                            cg_iterations=args.cg_iterations, init_weight=args.init_weight)
    print(f"training unrolled-dynamic (K={args.iterations}, (2+1)D denoiser of {args.layers} blocks x {args.chans} "
          f"channels, CG data step of {args.cg_iterations} iterations): {sum(p.numel() for p in model.parameters()):,} "
          f"parameters, {len(data)} cine_multicoil training movies (made in {time.perf_counter() - start:.0f} s), "
          f"bands of {args.band} rows, R {args.accelerations[0]:g}..{args.accelerations[1]:g}, fresh noise "
          f"{args.noise_min}-{args.noise_max}, {args.epochs} epochs of batch {args.batch_size}", flush=True)
    history = fit_unrolled(model, data, None, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                           loss=args.loss, seed=args.seed,
                           max_seconds=None if args.max_minutes is None else 60 * args.max_minutes)
    train_seconds = time.perf_counter() - start
    test = generate_cine(0, None, preset="cine_multicoil", seed=args.seed)["test"]
    metrics = {}
    for r in (4.0, 8.0, 12.0):  # the test split of the training seed, heart box
        measured = remeasure_cine(test, r, seed=args.seed + 1)
        t0 = time.perf_counter()
        psnr, ssim = [], []
        for i in range(len(test)):
            k, m = measured.kspace_undersampled[i], measured.masks[i]
            s = time_averaged_maps(k, m)
            with torch.inference_mode():
                x = model.reconstruct(torch.from_numpy(k[None]), torch.from_numpy(m[None]),
                                      torch.from_numpy(s[None].astype(np.complex64)))[0].numpy()
            box = heart_box(test.labels[i])
            psnr.append(movie_psnr(test.phantoms[i], x, region=box))
            ssim.append(movie_ssim(test.phantoms[i], x, region=box))
        metrics.update({f"test_psnr_{r:g}": float(np.mean(psnr)), f"test_ssim_{r:g}": float(np.mean(ssim))})
        print(f"test split, R = {r:g} ({len(test)} movies, heart box): PSNR {np.mean(psnr):.2f} dB, SSIM "
              f"{np.mean(ssim):.4f}; {(time.perf_counter() - t0) / len(test):.1f} s per movie", flush=True)
    info = dict(network=args.network, epochs=len(history["loss"]), lr=args.lr, batch_size=args.batch_size,
                n_movies=args.n_movies, band=args.band, accelerations=list(args.accelerations),
                noise_range=[args.noise_min, args.noise_max], loss=args.loss, seed=args.seed,
                train_seconds=round(train_seconds, 1), dataset=dict(attrs, size=size),
                history={k: [float(x) for x in v] for k, v in history.items()})
    path = save_checkpoint(model, args.out, metrics=metrics, info=info)
    print(f"wrote {path} ({path.stat().st_size / 2 ** 10:.0f} KiB); wall time {train_seconds:.0f} s "
          f"({train_seconds / 60:.1f} min)")
    return 0


def _warm_start(model: torch.nn.Module, path: str) -> None:
    """Load the weights of the checkpoint at ``path`` into ``model``, which must have its architecture, or
    the same with separate denoisers where the checkpoint shares one (``--separate``: each iteration's
    denoiser starts as the shared one, the untied network computes what the shared one did)."""
    start = load_model(path, expected=type(model).__name__)
    untie = start.config.get("shared") is True and model.config == {**start.config, "shared": False}
    if start.config != model.config and not untie:
        raise ValueError(f"--init {path} holds a {type(model).__name__} of another architecture "
                         f"({start.config}) than the one asked for ({model.config}); pass the same "
                         f"--iterations, --chans, --layers and data-step options as that checkpoint "
                         f"(--separate may untie a shared denoiser)")
    theirs = start.state_dict()
    model.load_state_dict({name: theirs[re.sub(r"^denoisers\.\d+\.", "denoisers.0.", name) if untie else name]
                           for name in model.state_dict()})


def _init_denoisers(model: torch.nn.Module, path: str) -> None:
    """Start ``model``'s denoisers from those of the unrolled network at ``path``, which may have another data
    step or coil model. A shared denoiser is copied into each of the model's; separate ones go one to one."""
    source = load_model(path)
    theirs, ours = getattr(source, "denoisers", None), model.denoisers
    if theirs is None or len(theirs) not in (1, len(ours)):
        raise ValueError(f"--init-denoiser {path} holds a {type(source).__name__} with "
                         f"{'no' if theirs is None else len(theirs)} denoiser(s); the network asked for has "
                         f"{len(ours)}: pass an unrolled network with one shared denoiser or {len(ours)}")
    for k, denoiser in enumerate(ours):
        state = theirs[0 if len(theirs) == 1 else k].state_dict()
        shapes, expected = {n: tuple(t.shape) for n, t in state.items()}, \
            {n: tuple(t.shape) for n, t in denoiser.state_dict().items()}
        if shapes != expected:
            raise ValueError(f"--init-denoiser {path} has denoisers of another size than the one asked for; pass "
                             f"the same --chans and --layers as that checkpoint ({source.config})")
        denoiser.load_state_dict(state)


def _seeded_training_split(args: argparse.Namespace):
    """Threads and seeds set, the training split loaded: ``(split, number of images to fit)``."""
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)  # nothing in mrilab uses it; third-party code might
    train = load_dataset(args.data, "train")
    if not 1 <= args.n_val < len(train):
        raise ValueError(f"--n-val must be between 1 and {len(train) - 1}, got {args.n_val}")
    return train, len(train) - args.n_val


def _run_denoiser(args: argparse.Namespace) -> int:
    from ..models import NoiseLevelDenoiser
    from ..pnp import PNP_SCHEDULES, pnp_hqs
    from .denoiser import NoisyPatches, fit_denoiser

    args.out = args.out or str(weights_path("denoiser", args.family))
    start = time.perf_counter()
    train, n_fit = _seeded_training_split(args)
    if args.family == "randomized":
        from ..data import generate

        if args.epochs == DENOISER["epochs"]:
            args.epochs = DENOISER_RANDOMIZED["epochs"]
        n = DENOISER_RANDOMIZED["n_images"] + args.n_val
        train = generate(n_train=n, n_test=0, preset="realistic", family="randomized", seed=args.seed,
                         size=train.images.shape[-1])["train"]
        n_fit = n - args.n_val
    model = NoiseLevelDenoiser(chans=args.chans, levels=args.levels)
    data = NoisyPatches(train, patch=args.patch, noise_range=(0.0, args.noise_max), seed=args.seed,
                        indices=range(n_fit))
    print(f"training the denoiser: {sum(p.numel() for p in model.parameters()):,} parameters, {n_fit} {args.family} "
          f"training images in {args.patch} x {args.patch} crops, noise 0-{args.noise_max}, {args.epochs} epochs of "
          f"batch {args.batch_size}")
    history = fit_denoiser(model, data, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                           max_seconds=None if args.max_minutes is None else 60 * args.max_minutes)
    train_seconds = time.perf_counter() - start
    # validation: whole held-out images, denoised at three levels
    clean = torch.from_numpy(np.ascontiguousarray(train.images[n_fit:], dtype=np.complex64))
    gen = torch.Generator().manual_seed(args.seed)
    val = {}
    with torch.no_grad():
        for sigma in (0.01, 0.03, 0.1):
            noise = torch.randn(clean.shape, generator=gen) + 1j * torch.randn(clean.shape, generator=gen)
            out = model(clean + sigma * noise.to(clean.dtype), sigma).abs().numpy()
            val[f"val_psnr_sigma_{sigma:g}"] = float(evaluate(train.phantoms[n_fit:], out)["psnr"].mean())
    test = load_dataset(args.data, "test")
    schedule = {k: v for k, v in PNP_SCHEDULES[args.family].items() if k != "cg_iterations"}
    pred = pnp_hqs(test.kspace_undersampled, test.masks, model, noise_std=float(test.attrs.get("noise_std", 0.0)),
                   **schedule)
    metrics = {f"test_{k}": float(v.mean()) for k, v in evaluate(test.phantoms, pred).items()}
    info = dict(network="denoiser", family=args.family, epochs=len(history["loss"]), lr=args.lr, batch_size=args.batch_size,
                patch=args.patch, noise_range=[0.0, args.noise_max], seed=args.seed, n_val=args.n_val,
                train_seconds=round(train_seconds, 1), validation=val,
                dataset={k: test.attrs.get(k) for k in DEFAULTS if k in test.attrs},
                history={k: [float(x) for x in v] for k, v in history.items() if k != "batch_loss"})
    path = save_checkpoint(model, args.out, metrics=metrics, info=info)
    print("validation, denoising PSNR: " + ", ".join(f"sigma {k.rsplit('_', 1)[1]}: {v:.2f} dB" for k, v in val.items()))
    print(f"test, plug-and-play ({len(test)} images, R = {test.attrs.get('acceleration')}, noise "
          f"{test.attrs.get('noise_std')}): PSNR {metrics['test_psnr']:.2f} dB, SSIM {metrics['test_ssim']:.4f}")
    print(f"wrote {path} ({path.stat().st_size / 2 ** 10:.0f} KiB); wall time {train_seconds:.0f} s "
          f"({train_seconds / 60:.1f} min)")
    return 0


def _run_score(args: argparse.Namespace) -> int:
    from ..models import NoiseLevelDenoiser
    from .denoiser import NoisyPatches, fit_denoiser

    args.out = args.out or str(weights_path("score", "realistic"))
    start = time.perf_counter()
    train, n_fit = _seeded_training_split(args)
    model = NoiseLevelDenoiser(chans=args.chans, levels=args.levels)
    init = None if args.init == "none" else args.init
    if init:   # a warm start: the plug-and-play denoiser's weights (same images, same architecture)
        model.load_state_dict(load_model(init, expected="NoiseLevelDenoiser").state_dict())
    noise = (args.noise_min, args.noise_max)
    data = NoisyPatches(train, patch=args.patch, noise_range=noise, log_noise=True, seed=args.seed,
                        indices=range(n_fit))
    print(f"training the score model: {sum(p.numel() for p in model.parameters()):,} parameters"
          + (f" from {init}" if init else "") + f", {n_fit} realistic training images in {args.patch} x {args.patch} "
          f"crops, noise {noise[0]:g}-{noise[1]:g} (log-uniform), {args.epochs} epochs of batch {args.batch_size}")
    history = fit_denoiser(model, data, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                           max_seconds=None if args.max_minutes is None else 60 * args.max_minutes, loss="score")
    train_seconds = time.perf_counter() - start
    # validation: whole held-out images, denoised at four levels (the MMSE denoiser's PSNR)
    clean = torch.from_numpy(np.ascontiguousarray(train.images[n_fit:], dtype=np.complex64))
    gen = torch.Generator().manual_seed(args.seed)
    val = {}
    with torch.no_grad():
        for sigma in (0.01, 0.05, 0.2, 0.5):
            noise_ = torch.randn(clean.shape, generator=gen) + 1j * torch.randn(clean.shape, generator=gen)
            out = model(clean + sigma * noise_.to(clean.dtype), sigma).abs().numpy()
            val[f"val_psnr_sigma_{sigma:g}"] = float(evaluate(train.phantoms[n_fit:], out)["psnr"].mean())
    test = load_dataset(args.data, "test")
    info = dict(network="score", epochs=len(history["loss"]), lr=args.lr, batch_size=args.batch_size,
                patch=args.patch, noise_range=list(noise), noise_draw="log-uniform", loss="score", init=init,
                seed=args.seed, n_val=args.n_val, train_seconds=round(train_seconds, 1), validation=val,
                dataset={k: test.attrs.get(k) for k in DEFAULTS if k in test.attrs},
                history={k: [float(x) for x in v] for k, v in history.items() if k != "batch_loss"})
    path = save_checkpoint(model, args.out, metrics=dict(val), info=info)
    print("validation, denoising PSNR: " + ", ".join(f"sigma {k.rsplit('_', 1)[1]}: {v:.2f} dB" for k, v in val.items()))
    print(f"wrote {path} ({path.stat().st_size / 2 ** 10:.0f} KiB); wall time {train_seconds:.0f} s "
          f"({train_seconds / 60:.1f} min)")
    return 0


def _run_ablations(args: argparse.Namespace) -> int:
    from ..registry import ablation_path
    from .unrolled import ABLATION_EPOCHS, ABLATIONS, PROTOCOL_ABLATIONS, SELF_SUPERVISION_ABLATIONS

    known = {**{k: ("unrolled", v, ABLATION_EPOCHS) for k, v in ABLATIONS.items()}, **SELF_SUPERVISION_ABLATIONS,
             **PROTOCOL_ABLATIONS}
    names = args.only or list(known)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown ablation(s) {unknown}; known: {list(known)}")
    for name in names:
        command, options, epochs = known[name]
        out = Path(args.out_dir) / f"unrolled_{name}.pt" if args.out_dir else ablation_path(name)
        print(f"== ablation {name}: {command} {' '.join(options) or '(the main recipe)'}, {epochs} epochs")
        code = main([command, "--data", args.data, "--out", str(out), "--epochs", str(epochs), *options])
        if code:
            return code
    return 0


def _estimated_maps(split) -> np.ndarray:
    """Coil maps of every image of a multi-coil split, estimated from its ACS."""
    from ..multicoil import estimate_maps

    return estimate_maps(split.kspace_undersampled, split.masks)


if __name__ == "__main__":
    raise SystemExit(main())
