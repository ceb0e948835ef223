rule structures:
    output:
        "results/structures.h5",
    params:
        element=config["element"],
        settings=config["structures"],
        split=config["split"],
    log:
        "logs/structures.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/structures.py"
