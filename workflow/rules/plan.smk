# Plan, then label (plan.mode: pilot): the pool is ordered by leverage before any DFT, the
# pilot (the order's prefix) is labelled and swept like any study, and the plan rule predicts
# from its learning curves what labelling more of the pool would buy.
if PILOT:

    localrules:
        pool_order,
        plan,


    rule pool_order:
        input:
            structures=f"{RESULTS}/pool/structures.h5",
            descriptors=f"{RESULTS}/pool/descriptors/2J{order_twojmax()}.h5",
        output:
            csv_files(f"{RESULTS}/pool/order"),
        params:
            energy_weight=config["plan"].get("order", {}).get(
                "energy_weight", config["fit"].get("leverage_energy_weight", 150)
            ),
            score=config["plan"].get("order", {}).get("score", "leverage"),
            seed=config["plan"].get("order", {}).get("seed", config["fit"].get("seed", 58)),
        log:
            f"{LOGS}/pool/order.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/pool_order.py"


    rule plan:
        input:
            sweeps=expand(f"{RESULTS}/sweep/2J{{twojmax}}.csv", twojmax=TWOJMAX),
            order=f"{RESULTS}/pool/order.csv",
            # their columns and rows per configuration place each 2Jmax's interpolation size
            descriptors=[f for j in TWOJMAX for f in descriptor_paths(j)],
            # the test draw's reference labels say which 2Jmax cannot meet the targets at any size
            structures=f"{RESULTS}/structures.h5",
            labels=label_files(),
        output:
            predictions=csv_files(f"{RESULTS}/plan/predictions"),
            plan=table_files(f"{RESULTS}/plan/plan"),
            plan_html=report(
                f"{RESULTS}/plan/plan.html", caption="../report/plan.rst", category="Plan"
            ),
            curves=report(
                f"{RESULTS}/plan/plan_curves.png",
                caption="../report/plan_curves.rst",
                category="Plan",
            ),
            curves_pdf=f"{RESULTS}/plan/plan_curves.pdf",
            front=report(
                f"{RESULTS}/plan/predicted_front.png",
                caption="../report/predicted_front.rst",
                category="Plan",
            ),
            front_pdf=f"{RESULTS}/plan/predicted_front.pdf",
        params:
            settings=canonical(
                {
                    **{
                        k: config["plan"][k]
                        for k in ("targets", "confidence", "budget_core_hours")
                        if k in config["plan"]
                    },
                    "reference_level": str(config["fit"]["reference_level"]),
                }
            ),
        log:
            f"{LOGS}/plan.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/plan.py"


# Production (plan.mode: production, after the pilot): only the plan's training set at its level
# and a validation set at the reference level are labelled, from the pilot's record store first.
if PLAN_MODE == "production":

    rule production_structures:
        input:
            pool=f"{RESULTS}/pool/structures.h5",
            order=f"{RESULTS}/pool/order.csv",
            pilot=f"{RESULTS}/structures.h5",
            plan=f"{RESULTS}/plan/plan.csv",
            predictions=f"{RESULTS}/plan/predictions.csv",
        output:
            f"{RESULTS}/production/structures.h5",
        params:
            production=canonical(config["plan"].get("production", {})),
            validation_size=config["plan"].get(
                "validation_size", config["plan"]["test_size"]
            ),
            seed=config["split"].get("seed", 58),
        log:
            f"{LOGS}/production/structures.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/production_structures.py"

    rule production_descriptors:
        input:
            structures=f"{RESULTS}/production/structures.h5",
        output:
            f"{RESULTS}/production/descriptors.h5",
        params:
            element=config["element"],
            descriptors=descriptor_params(),
        threads: config["descriptors"].get("workers", 1)
        resources:
            runtime=120,
            mem_mb=4000,
        log:
            f"{LOGS}/production/descriptors.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/production_descriptors.py"

    rule production_labels:
        wildcard_constraints:
            role="train|validation",
        input:
            f"{RESULTS}/production/structures.h5",
        output:
            labels=f"{RESULTS}/production/labels/{{role}}.h5",
            work=f"{RESULTS}/production/labels/{{role}}.work.tar.gz",
        params:
            dft=labelling_settings(),
            reference_level=str(config["fit"]["reference_level"]),
            record_store=RECORD_STORE,
        threads: 1
        resources:
            runtime=lambda wc, attempt: 600 * attempt,
            mem_mb=lambda wc, attempt: 2000 * attempt,
        log:
            f"{LOGS}/production/labels_{{role}}.log",
        conda:
            "../../envs/dft-{}.yaml".format(config["dft"]["code"])
        script:
            "../scripts/production_labels.py"

    rule production:
        input:
            structures=f"{RESULTS}/production/structures.h5",
            descriptors=f"{RESULTS}/production/descriptors.h5",
            train=f"{RESULTS}/production/labels/train.h5",
            validation=f"{RESULTS}/production/labels/validation.h5",
            plan=f"{RESULTS}/plan/plan.csv",
            predictions=f"{RESULTS}/plan/predictions.csv",
            pool=f"{RESULTS}/pool/structures.h5",
            pilot=f"{RESULTS}/structures.h5",
            pilot_labels=label_files(),
        output:
            coeff=f"{RESULTS}/production/{config['element']}.snapcoeff",
            param=f"{RESULTS}/production/{config['element']}.snapparam",
            result=f"{RESULTS}/production/production.json",
            achieved_table=table_files(f"{RESULTS}/production/predicted_vs_achieved"),
            spent_table=table_files(f"{RESULTS}/production/dft_spent"),
            achieved=report(
                f"{RESULTS}/production/predicted_vs_achieved.html",
                caption="../report/production.rst",
                category="Plan",
            ),
            spent=report(
                f"{RESULTS}/production/dft_spent.html",
                caption="../report/production.rst",
                category="Plan",
            ),
        params:
            config={
                k: canonical(config[k])
                for k in ("element", "plan", "fit", "descriptors", "pareto")
                if k in config
            },
        log:
            f"{LOGS}/production/production.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/production.py"


# Adaptive labelling (plan.mode: adaptive): round 0 asks for the validation set at the reference
# level; every later round replays the plan on what the earlier rounds bought and either decides
# or asks for the next labels (mlipcost.plan.rounds). Rounds are checkpoints: how many there are
# is known only as they run.
if PLAN_MODE == "adaptive":

    checkpoint adaptive_round:
        wildcard_constraints:
            round=r"\d+",
        input:
            structures=f"{RESULTS}/structures.h5",
            descriptors=[f for j in TWOJMAX for f in descriptor_paths(j)],
            labels=adaptive_labels_before,
        output:
            adaptive_round_file("{round}"),
        params:
            adaptive=canonical(adaptive_settings(config)),
            reference_level=str(config["fit"]["reference_level"]),
            config={k: canonical(config[k]) for k in ("dft", "pareto") if k in config},
            twojmax=TWOJMAX,
            descriptor_paths={j: descriptor_paths(j) for j in TWOJMAX},
        resources:
            runtime=60,
            mem_mb=8000,
        log:
            f"{LOGS}/plan/adaptive/round{{round}}.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/adaptive_round.py"

    rule adaptive_labels:
        wildcard_constraints:
            round=r"\d+",
        input:
            structures=f"{RESULTS}/structures.h5",
            round=adaptive_round_file("{round}"),
        output:
            labels=f"{RESULTS}/plan/adaptive/labels/round{{round}}/level{{level}}.h5",
            work=f"{RESULTS}/plan/adaptive/labels/round{{round}}/level{{level}}.work.tar.gz",
        params:
            dft=labelling_settings(),
            record_store=RECORD_STORE,
        threads: 1
        resources:
            runtime=lambda wc, attempt: 600 * attempt,
            mem_mb=lambda wc, attempt: 2000 * attempt,
        log:
            f"{LOGS}/plan/adaptive/labels_round{{round}}_level{{level}}.log",
        conda:
            "../../envs/dft-{}.yaml".format(config["dft"]["code"])
        script:
            "../scripts/adaptive_labels.py"

    rule adaptive_plan:
        input:
            adaptive_final_round,
        output:
            outcome=f"{RESULTS}/plan/adaptive/outcome.json",
            fits=csv_files(f"{RESULTS}/plan/adaptive/fits"),
            decisions=table_files(f"{RESULTS}/plan/adaptive/decisions"),
            decisions_html=report(
                f"{RESULTS}/plan/adaptive/decisions.html",
                caption="../report/adaptive.rst",
                category="Plan",
            ),
            bounds=table_files(f"{RESULTS}/plan/adaptive/reach_bounds"),
            bounds_html=f"{RESULTS}/plan/adaptive/reach_bounds.html",
            figure=report(
                f"{RESULTS}/plan/adaptive/adaptive.png",
                caption="../report/adaptive.rst",
                category="Plan",
            ),
            figure_pdf=f"{RESULTS}/plan/adaptive/adaptive.pdf",
        params:
            targets=canonical(adaptive_settings(config)["targets"]),
            confidence=adaptive_settings(config)["confidence"],
        log:
            f"{LOGS}/plan/adaptive/report.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/adaptive_plan.py"

    # production after the decision: the chosen model for LAMMPS, checked there
    rule adaptive_potential:
        input:
            final=adaptive_final_round,
            structures=f"{RESULTS}/structures.h5",
            descriptors=[f for j in TWOJMAX for f in descriptor_paths(j)],
            labels=adaptive_all_labels,
        output:
            coeff=f"{RESULTS}/plan/adaptive/{config['element']}.snapcoeff",
            param=f"{RESULTS}/plan/adaptive/{config['element']}.snapparam",
        params:
            adaptive=canonical(adaptive_settings(config)),
            config={
                k: canonical(config[k])
                for k in ("element", "dft", "pareto", "fit", "descriptors")
                if k in config
            },
            descriptor_paths={j: descriptor_paths(j) for j in TWOJMAX},
        log:
            f"{LOGS}/plan/adaptive/potential.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/adaptive_potential.py"
