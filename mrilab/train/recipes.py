"""The recipes of the shipped weights: every setting that ``make weights`` trains them with.

``python -m mrilab.train`` reads its defaults from here, and the chapters quote them (chapter 21's
protocol ranges, chapter 23's split ratio) without importing the command line.
"""

from __future__ import annotations

import math

__all__ = ["RECIPES", "UNROLLED", "UNROLLED_MULTICOIL", "UNROLLED_ROBUST", "UNROLLED_VARIED",
           "UNROLLED_MULTICOIL_ROBUST", "UNROLLED_SSDU", "UNROLLED_MULTICOIL_SSDU", "UNROLLED_NUFFT",
           "UNROLLED_NUFFT_MULTICOIL", "UNROLLED_DYNAMIC", "DENOISER", "DENOISER_RANDOMIZED", "SAMPLING"]

#: The settings of the shipped weights (``make weights``).
RECIPES = {
    "kspace-unet": dict(epochs=12, lr=2e-3, batch_size=8, chans=16, pools=3),
    "cascade": dict(epochs=24, lr=2e-3, batch_size=8, chans=16, pools=3),
}

#: The unrolled network's recipe (``weights/unrolled_realistic.pt``).
UNROLLED = dict(epochs=150, lr=3e-3, batch_size=16, iterations=5, chans=16, layers=5, scales=1, band=32,
                noise=(0.0, 0.02), dc="soft", init_weight=10.0, loss="mixed")
#: The multi-coil unrolled network's recipe (``weights/unrolled_multicoil.pt``).
UNROLLED_MULTICOIL = dict(epochs=150, lr=3e-3, batch_size=8, iterations=5, chans=16, layers=5, band=32,
                          noise=(0.0, 0.02), cg_iterations=6, init_weight=10.0, loss="mixed",
                          lattice_offsets=True)
#: Part VII's robust network (``weights/unrolled_robust.pt``): the same recipe, trained on every
#: protocol at once. Each sample draws an acceleration from ``accelerations`` (a fresh random mask)
#: and a noise level from ``noise``. Each iteration has its own denoiser (``separate``: five times the
#: parameters, the same computation per image), worth about 3 dB at R = 4 to this recipe and to the
#: R = 4 one alike; the mixed protocols cost 1.5-1.6 dB at R = 4 against the R = 4 recipe of the same
#: size, with one shared denoiser or five (chapter 21, ablations ``robust_shared`` and ``r4_separate``).
UNROLLED_ROBUST = dict(UNROLLED, noise=(0.0, 0.03), accelerations=(3.0, 8.0), separate=True)
#: Chapter 24's retrained single-coil network (``weights/unrolled_varied.pt``, ``unrolled-varied``): the
#: robust recipe, with what real single-coil scans of a head showed outside its training drawn afresh for
#: every sample (:class:`mrilab.train.variation.ScannerVariation`): the object shrunk to 0.45-1 of its size
#: and moved, turned and mirrored, one coil's shading, a smooth random phase of up to two turns, and noise up
#: to 0.06 of the maximum (the body coil's was 0.053).
UNROLLED_VARIED = dict(UNROLLED_ROBUST, noise=(0.0, 0.06),
                       variation=dict(zoom=(0.45, 1.0), shading=(0.0, 1.0), coil_radius=(1.1, 2.0), orient=True,
                                      phase=(0.0, 4 * math.pi)))
#: The robust multi-coil network (``weights/unrolled_multicoil_robust.pt``, ``unrolled-multicoil-robust``):
#: started from chapter 16's weights (``--init``), 80 epochs at a peak learning rate of 1e-3 on regular
#: masks of R 3..8 at random lattice offsets, noise 0..0.03 (8 min on 2 cores). Trained from scratch
#: with the Part V recipe the same protocols did not learn (its loss stalled above chapter 16's); the
#: warm start from R = 4 is a curriculum from one protocol outwards. Like the single-coil robust network it
#: has a denoiser per iteration (``separate``), each starting as chapter 16's shared one (``--init`` unties
#: it): 37.9 / 36.1 / 34.7 dB at R = 4 / 6 / 8 on the test split, against 36.8 / 34.8 / 33.7 with the
#: shared denoiser kept.
UNROLLED_MULTICOIL_ROBUST = dict(UNROLLED_MULTICOIL, noise=(0.0, 0.03), accelerations=(3.0, 8.0), epochs=80, lr=1e-3,
                                 init="weights/unrolled_multicoil.pt", separate=True)
#: Part VII's self-supervised networks (SSDU, :mod:`mrilab.train.ssdu`): the same architectures and
#: budgets, trained on the stored undersampled measurements only (no fresh noise: none can be
#: drawn for a real scan), with the k-space loss on the held-out columns. The split ratio is 0.2,
#: not the paper's 0.4: with whole columns held out, the network's input Theta is a mask of higher
#: acceleration than the test masks, and a larger ratio widens that gap (40-epoch runs,
#: ``--split-ratio 0.1 / 0.2 / 0.4 / 0.6 --epochs 40``, fell in test PSNR as the ratio grew
#: beyond 0.2; chapter 23 measures it).
UNROLLED_SSDU = dict(UNROLLED, loss="kspace", split_ratio=0.2)
#: The multi-coil SSDU network starts its denoiser from the single-coil SSDU network's (``init_denoiser``,
#: itself trained without a reference) at a lower peak rate: from the seeded initialisation its loss
#: flattened by epoch 20 and it ended 1.9 dB behind the supervised network at R = 4, like the robust
#: multi-coil network that did not learn without a warm start; with it, 0.4-0.5 dB (chapter 23).
UNROLLED_MULTICOIL_SSDU = dict(UNROLLED_MULTICOIL, loss="kspace", split_ratio=0.2, lr=1e-3,
                               init_denoiser="weights/unrolled_ssdu.pt")

#: The non-Cartesian unrolled network (``weights/unrolled_nufft.pt``, Part VI): chapter 12's architecture
#: with the density-weighted Toeplitz data step (:class:`mrilab.models.UnrolledNUFFT`), whole images of
#: the radial preset, each sample a random window of 32, 48, 64 or 96 consecutive golden-angle spokes with
#: fresh noise of 0..0.02 on top of the stored measurement's; the denoiser starts from chapter 12's
#: (``init_denoiser``), which has learned the realistic images' texture and noise on Cartesian data.
UNROLLED_NUFFT = dict(epochs=30, lr=2e-3, batch_size=8, iterations=5, chans=16, layers=5, cg_iterations=6,
                      init_weight=10.0, spokes=(32, 48, 64, 96), noise=(0.0, 0.02), loss="mixed",
                      init_denoiser="weights/unrolled_realistic.pt")
#: Its eight-coil version (``--multicoil``, ``weights/unrolled_nufft_multicoil.pt``): the radial_multicoil
#: data, maps from the centre of each window's k-space, started from the single-coil network's weights
#: (``init``: the denoiser and the data weights) and trained for fewer epochs at a lower peak rate, the
#: warm start that Part VII's robust multi-coil network needed.
UNROLLED_NUFFT_MULTICOIL = dict(UNROLLED_NUFFT, epochs=12, lr=1e-3, init="weights/unrolled_nufft.pt",
                                init_denoiser=None)


#: The plug-and-play denoiser's recipe (``weights/denoiser_realistic.pt``, Part VII).
DENOISER = dict(epochs=60, lr=2e-3, batch_size=16, chans=16, levels=2, patch=64, noise=(0.0, 0.15))
#: The domain-randomised denoiser (``--family randomized``): twice the images, half the epochs, the
#: same number of training steps; the images are drawn in memory (:mod:`mrilab.data.shapes`).
DENOISER_RANDOMIZED = dict(epochs=30, n_images=800)

#: The score model of posterior sampling (``weights/score_realistic.pt``, ``python -m mrilab.train score``, Part XII):
#: chapter 22's denoiser (``init``), trained on by the squared error divided by sigma^2 (denoising score matching)
#: on the same crops, with noise levels drawn log-uniformly from 0.002 (below the measurement noise) to 1 (far above
#: the images' scale). Trained from scratch instead (a U-Net of 3 levels in EDM's preconditioning, 20 min on whole
#: images), the score model denoised 7 dB worse at sigma 0.1 than chapter 22's and its posterior means trailed TV.
SCORE = dict(epochs=150, lr=5e-4, batch_size=16, chans=16, levels=2, patch=64, noise=(0.002, 1.0),
             init="weights/denoiser_realistic.pt")

#: Chapter 27's masks and their networks (``weights/sampling/``, ``python -m mrilab.train sampling``,
#: :mod:`mrilab.train.sampling`). The proxy decoder that chooses the variable-density masks' exponent and
#: ACS and drives the greedy search is chapter 21's robust network (trained on random masks of every R
#: from 3 to 8); the greedy search scores ``greedy_candidates`` random free columns per step on one band
#: of each of the first ``greedy_images`` training images. LOUPE trains its probabilities jointly with
#: chapter 12's network (warm-started) for ``loupe_epochs``, with LOUPE's slopes (5 and 200). Then every
#: mask's network is chapter 12's, fine-tuned from chapter 12's weights for ``epochs`` at a peak rate of
#: ``lr``: one schedule for every mask. The fixed variable-density mask is the best of ``vd_fixed_draws`` draws
#: on the proxy.
SAMPLING = dict(accelerations=(4.0, 8.0), epochs=20, loupe_epochs=20, lr=1e-3, lr_mask=1e-2, batch_size=16,
                band=32, noise=(0.0, 0.02), loss="mixed", slope=5.0, sample_slope=200.0, greedy_images=32,
                greedy_candidates=40, vd_powers=(1.0, 2.0, 3.0, 4.0), vd_center_fractions=(0.04, 0.08), vd_fixed_draws=8,
                init="weights/unrolled_realistic.pt", proxy="weights/unrolled_robust.pt")

#: Part XI's network in time (``weights/unrolled_dynamic.pt``, ``unrolled-dynamic``; :mod:`mrilab.train.dynamic`):
#: K = 5 iterations of a shared (2+1)D denoiser (5 blocks of 16 channels) and a CG data step of 4 iterations, on
#: bands of 32 rows of 48 training movies of the ``cine_multicoil`` preset, a fresh random k-t mask of R drawn
#: from 4..12 and fresh noise 0..0.02 per sample, mixed loss on the magnitude frames.
UNROLLED_DYNAMIC = dict(epochs=36, lr=3e-3, batch_size=2, iterations=5, chans=16, layers=5, band=32,
                        cg_iterations=4, init_weight=10.0, noise=(0.0, 0.02), accelerations=(4.0, 12.0),
                        n_movies=48, loss="mixed")
