"""How much label noise a qSNAP model absorbs (after Vita & Schwalbe-Koda 2023, noise
robustness), and whether a convergence level's error behaves like random noise.

Gaussian noise of standard deviation σ_E (energy per atom) or σ_F (force component) is added to
the training labels of one level (the reference, clean), the model is fitted on the whole
training half as in Tables 4 and 5, and tested against the clean labels of the test half.

For a linear least-squares fit the expectation is closed-form: with W the row weights and
β = (WA)⁺ W y, zero-mean noise of covariance Σ adds Cov(β) = G⁺ Aᵀ W Σ W A G⁺ (G = AᵀW²A, the
pseudo-inverse cut at lstsq's cond, like the fit), so the expected test MSE is the clean fit's
plus tr(Cov(β) · A_testᵀA_test) / n_test rows, separately for energy and force rows.

Each level is also run as noise: σ_E and σ_F equal to its RMSD against the reference over the
training half (Table 3's unshifted definitions), beside two predictions of its model's error:
random noise of that size (the noise model, which least squares partly averages out) and a
systematic error the model learns in full (sqrt(noise-free² + RMSD²)). Whichever its own model is
nearer to says how the level's DFT error behaves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..models.fit import LSTSQ_COND, FitData, SetStats, solve
from ..models.linalg import StreamingR
from .mixed import r_factor, retarget


def training_r_with_noise(data: FitData, train: np.ndarray, repeats: int, seed: int
                          ) -> tuple[np.ndarray, np.ndarray]:
    """R factors of [A | Y | N] over the training energy rows and force rows: Y the clean labels
    of every level, N ``repeats`` columns of standard normal noise (one draw per repeat, scaled
    by each σ later, so the curves of one repeat are nested)."""
    k, n_lev = data.n_features, len(data.levels)
    configs = np.sort(train)
    energy_noise = np.random.default_rng([seed, 0]).standard_normal((len(configs), repeats))
    energy = r_factor(np.hstack([data.energy_a[configs], data.energy_y[configs], energy_noise]))
    force_rng = np.random.default_rng([seed, 1])
    force = StreamingR(k + n_lev + repeats)
    for _, a, y in data.force_blocks(configs):   # ascending order: the same draw every run
        force.add(a, y, force_rng.standard_normal((len(y), repeats)))
    return energy, force.r


def noisy_targets(n_levels: int, repeats: int, level: int, sigmas: list[float]) -> np.ndarray:
    """((L + repeats) × (len(sigmas)·repeats)) mix: column (σ, r) = y_level + σ·n_r."""
    mix = np.zeros((n_levels + repeats, len(sigmas) * repeats))
    for s, sigma in enumerate(sigmas):
        for r in range(repeats):
            col = s * repeats + r
            mix[level, col] = 1.0
            mix[n_levels + r, col] = sigma
    return mix


def noise_variance_per_sigma2(energy_r: np.ndarray, force_r: np.ndarray, test: SetStats,
                              n_features: int, energy_weight: float, force_weight: float
                              ) -> dict[str, np.ndarray]:
    """Expected increase of the test MSE per unit σ² of energy noise and of force noise: a
    (2 × 2) array per noise kind [energy noise, force noise] × [energy MSE, force MSE]."""
    k = n_features
    a_e, a_f = energy_r[:, :k], force_r[:, :k]
    weighted = r_factor(np.vstack([energy_weight * a_e, force_weight * a_f]))
    _, s, vt = np.linalg.svd(weighted, full_matrices=False)
    keep = s > LSTSQ_COND * s[0]
    g_pinv_half = vt[keep].T / s[keep] ** 2        # G⁺ = V S⁻² Vᵀ: keep V S⁻², apply Vᵀ below
    v = vt[keep]
    out = np.zeros((2, 2))
    t_e = test.energy_r[:, :k]
    t_f = test.force_r[:, :k]
    for kind, (a, w) in enumerate(((a_e, energy_weight), (a_f, force_weight))):
        # Cov per σ² = G⁺ w⁴ AᵀA G⁺; tr(Cov · TᵀT) = w⁴ ‖T G⁺ Aᵀ‖_F²
        middle = (a @ v.T) * w ** 2                 # A V, rows of the R factor
        for target, (t, n) in enumerate(((t_e, test.n_energy), (t_f, test.n_force))):
            projected = (t @ g_pinv_half) @ middle.T  # T G⁺ Aᵀ (through the R factors)
            out[kind, target] = np.sum(projected ** 2) / max(n, 1)
    return {"energy": out[0], "force": out[1]}


def level_rmsd(data: FitData, train: np.ndarray, level: int, reference: int
               ) -> tuple[float, float]:
    """Unshifted RMSD (eV/atom, eV/Å) of a level's labels against the reference over the
    training half: Table 3's definitions on the configurations the fit sees."""
    de = data.energy_y[train, level] - data.energy_y[train, reference]
    sq, n = 0.0, 0
    for _, _, y in data.force_blocks(train):
        d = y[:, level] - y[:, reference]
        sq += float(d @ d)
        n += len(d)
    return float(np.sqrt(np.mean(de ** 2))), float(np.sqrt(sq / max(n, 1)))


def noise_fits(data: FitData, train: np.ndarray, test: np.ndarray, *, reference_level: str,
               energy_sigmas: list[float], force_sigmas: list[float], energy_weight: float,
               repeats: int, seed: int, twojmax: int, force_weight: float = 1.0
               ) -> pd.DataFrame:
    """Test errors against the clean reference of models fitted on noisy reference labels.

    ``energy_sigmas`` (eV/atom) and ``force_sigmas`` (eV/Å) are swept one at a time (the other
    noise zero); then every other level as noise of its own RMSD (σ_E and σ_F together), beside
    the model fitted on that level's labels. One row per (kind, σ, repeat) with the sampled
    errors, and the closed-form expectation (``expected_*``).
    """
    k, levels = data.n_features, data.levels
    n_lev = len(levels)
    ref = levels.index(reference_level)
    energy_r, force_r = training_r_with_noise(data, train, repeats, seed)
    test_stats = SetStats.of(data, test)
    variance = noise_variance_per_sigma2(energy_r, force_r, test_stats, k, energy_weight,
                                         force_weight)
    others = [li for li in range(n_lev) if li != ref]
    rmsd = {li: level_rmsd(data, train, li, ref) for li in others}
    cases = ([("energy", s, 0.0, None) for s in energy_sigmas]
             + [("force", 0.0, s, None) for s in force_sigmas]
             + [(f"level {levels[li]}", *rmsd[li], li) for li in others])
    sig_e = [c[1] for c in cases]
    sig_f = [c[2] for c in cases]
    mix_e = noisy_targets(n_lev, repeats, ref, sig_e)
    mix_f = noisy_targets(n_lev, repeats, ref, sig_f)
    # the models fitted on each level's own labels (no noise): one more column per level
    own = np.zeros((n_lev + repeats, n_lev))
    own[:n_lev, :n_lev] = np.eye(n_lev)
    coefs = solve(retarget(energy_r, k, np.hstack([mix_e, own])),
                  retarget(force_r, k, np.hstack([mix_f, own])), k, energy_weight, force_weight)
    errs = test_stats.errors(coefs, k)
    clean = {"energy": errs["energy"][len(cases) * repeats + ref, ref] ** 2,
             "force": errs["force"][len(cases) * repeats + ref, ref] ** 2}
    rows = []
    for c, (kind, s_e, s_f, li) in enumerate(cases):
        expected_e = clean["energy"] + s_e ** 2 * variance["energy"][0] \
            + s_f ** 2 * variance["force"][0]
        expected_f = clean["force"] + s_e ** 2 * variance["energy"][1] \
            + s_f ** 2 * variance["force"][1]
        for r in range(repeats):
            col = c * repeats + r
            row = {"twojmax": twojmax, "noise": kind, "level": levels[li] if li is not None else "",
                   "sigma_energy_meV_per_atom": 1e3 * s_e, "sigma_force_meV_per_A": 1e3 * s_f,
                   "repeat": r, "energy_weight": energy_weight, "force_weight": force_weight,
                   "train_size": len(train), "noisy_level": reference_level,
                   "test_energy_rmse_meV_per_atom_vs_reference": 1e3 * errs["energy"][col, ref],
                   "test_force_rmse_meV_per_A_vs_reference": 1e3 * errs["force"][col, ref],
                   "expected_test_energy_rmse_meV_per_atom": 1e3 * np.sqrt(expected_e),
                   "expected_test_force_rmse_meV_per_A": 1e3 * np.sqrt(expected_f),
                   "noise_free_test_energy_rmse_meV_per_atom": 1e3 * np.sqrt(clean["energy"]),
                   "noise_free_test_force_rmse_meV_per_A": 1e3 * np.sqrt(clean["force"])}
            if li is not None:
                own_col = len(cases) * repeats + li
                row["level_model_energy_rmse_meV_per_atom_vs_reference"] = \
                    1e3 * errs["energy"][own_col, ref]
                row["level_model_force_rmse_meV_per_A_vs_reference"] = \
                    1e3 * errs["force"][own_col, ref]
            rows.append(row)
    return pd.DataFrame(rows)


def levels_as_noise(summary: pd.DataFrame) -> pd.DataFrame:
    """Per (2Jmax, level): its RMSD, its model's test error, the noise model's (median over
    draws) and the fully learned systematic error's, and which of the two it is nearer to (in
    ratio). ``summary``: medians over draws of noise_fits' rows."""
    levels = summary[summary["level"] != ""]
    rows = []
    for _, row in levels.iterrows():
        out = {"twojmax": row["twojmax"], "level": row["level"]}
        for kind, unit, sigma in (("energy", "meV_per_atom", "sigma_energy_meV_per_atom"),
                                  ("force", "meV_per_A", "sigma_force_meV_per_A")):
            own = row[f"level_model_{kind}_rmse_{unit}_vs_reference"]
            random = row[f"test_{kind}_rmse_{unit}_vs_reference"]
            systematic = np.hypot(row[f"noise_free_test_{kind}_rmse_{unit}"], row[sigma])
            out.update({f"dft_{kind}_rmsd_{unit}": row[sigma],
                        f"level_model_{kind}_rmse_{unit}": own,
                        f"as_random_noise_{kind}_rmse_{unit}": random,
                        f"as_learned_systematic_{kind}_rmse_{unit}": systematic,
                        f"{kind}_error_behaves_like":
                            "random noise" if abs(np.log(own / random))
                            < abs(np.log(own / systematic)) else "systematic error"})
        rows.append(out)
    return pd.DataFrame(rows)
