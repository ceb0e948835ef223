# Plan, then label (plan.mode: pilot): the pool is ordered by leverage before any DFT, the
# pilot (the order's prefix) is labelled and swept like any study, and the plan rule predicts
# from its learning curves what labelling more of the pool would buy.


localrules:
    pool_order,
    plan,


rule pool_order:
    input:
        structures=f"{RESULTS}/pool/structures.h5",
        descriptors=f"{RESULTS}/pool/descriptors/2J{order_twojmax()}.h5",
    output:
        f"{RESULTS}/pool/order.csv",
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
    output:
        predictions=f"{RESULTS}/plan/predictions.csv",
        plan=f"{RESULTS}/plan/plan.csv",
        plan_html=report(
            f"{RESULTS}/plan/plan.html", caption="../report/plan.rst", category="Plan"
        ),
        curves=report(
            f"{RESULTS}/plan/plan_curves.png",
            caption="../report/plan_curves.rst",
            category="Plan",
        ),
        front=report(
            f"{RESULTS}/plan/predicted_front.png",
            caption="../report/predicted_front.rst",
            category="Plan",
        ),
    params:
        settings={
            k: config["plan"][k]
            for k in ("targets", "confidence", "budget_core_hours")
            if k in config["plan"]
        },
    log:
        f"{LOGS}/plan.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/plan.py"
