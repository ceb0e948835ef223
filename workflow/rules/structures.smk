if PLAN_MODE == "pilot":

    rule pool_structures:
        input:
            [config["structures"]["path"]] if "path" in config["structures"] else [],
        output:
            f"{RESULTS}/pool/structures.h5",
        params:
            element=config["element"],
            settings=config["structures"],
            split=config["split"],
        log:
            f"{LOGS}/pool/structures.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/structures.py"

    rule structures:
        input:
            pool=f"{RESULTS}/pool/structures.h5",
            order=f"{RESULTS}/pool/order.csv",
        output:
            f"{RESULTS}/structures.h5",
        params:
            plan={k: config["plan"][k] for k in ("pilot_size", "test_size")},
            seed=config["split"].get("seed", 58),
        log:
            f"{LOGS}/structures.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/pilot_structures.py"

else:

    rule structures:
        input:
            [config["structures"]["path"]] if "path" in config["structures"] else [],
        output:
            f"{RESULTS}/structures.h5",
        params:
            element=config["element"],
            settings=config["structures"],
            split=config["split"],
        log:
            f"{LOGS}/structures.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/structures.py"
