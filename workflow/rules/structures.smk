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
