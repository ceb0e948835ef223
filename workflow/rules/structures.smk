# configurations.h5 is what the DFT jobs and the descriptors read: the configurations alone.
# structures.h5 adds the train/test split, so that a split edit reruns no DFT job.
if PILOT:

    rule pool_structures:
        input:
            [config["structures"]["path"]] if "path" in config["structures"] else [],
        output:
            f"{RESULTS}/pool/structures.h5",
        params:
            element=config["element"],
            settings=canonical(config["structures"]),
            split=canonical(config["split"]),
        log:
            f"{LOGS}/pool/structures.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/pool_structures.py"

    rule configurations:
        input:
            pool=f"{RESULTS}/pool/structures.h5",
            order=f"{RESULTS}/pool/order.csv",
        output:
            f"{RESULTS}/configurations.h5",
        params:
            plan={k: config["plan"][k] for k in ("pilot_size", "test_size")},
            seed=config["split"].get("seed", 58),
        log:
            f"{LOGS}/configurations.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/pilot_structures.py"

else:

    rule configurations:
        input:
            [config["structures"]["path"]] if "path" in config["structures"] else [],
        output:
            f"{RESULTS}/configurations.h5",
        params:
            element=config["element"],
            settings=canonical(config["structures"]),
        log:
            f"{LOGS}/configurations.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/configurations.py"


rule structures:
    input:
        configurations=f"{RESULTS}/configurations.h5",
        # split.over: reference_labelled shuffles only what the reference level labelled
        reference_labels=(
            [f"{RESULTS}/labels/level{config['fit']['reference_level']}.h5"]
            if not PILOT and config["split"].get("over", "all") == "reference_labelled"
            else []
        ),
    output:
        f"{RESULTS}/structures.h5",
    params:
        # a pilot keeps the split drawn on its pool
        split=None if PILOT else canonical(config["split"]),
    log:
        f"{LOGS}/structures.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/structures.py"
