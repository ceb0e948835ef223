rule descriptors:
    input:
        "results/structures.h5",
    output:
        "results/descriptors/2J{twojmax}.h5",
    params:
        element=config["element"],
        descriptors=config["descriptors"],
    threads: config["descriptors"].get("workers", 1)
    resources:
        runtime=120,
        mem_mb=4000,
    log:
        "logs/descriptors/2J{twojmax}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/descriptors.py"
