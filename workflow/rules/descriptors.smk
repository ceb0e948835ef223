rule descriptors:
    input:
        f"{RESULTS}/configurations.h5",
    output:
        f"{RESULTS}/descriptors/2J{{twojmax}}.h5",
    params:
        element=config["element"],
        descriptors=descriptor_params(),
    threads: config["descriptors"].get("workers", 1)
    resources:
        runtime=120,
        mem_mb=4000,
    log:
        f"{LOGS}/descriptors/2J{{twojmax}}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/descriptors.py"


rule descriptor_part:
    input:
        f"{RESULTS}/configurations.h5",
    output:
        f"{RESULTS}/descriptors/2J{{twojmax}}/part{{part}}of{{parts}}.h5",
    params:
        element=config["element"],
        descriptors=descriptor_params(),
    threads: config["descriptors"].get("workers", 1)
    resources:
        runtime=lambda wc, threads, attempt: scattered_job_resources(
            "descriptor_part", wc.twojmax, threads, attempt
        )["runtime"],
        mem_mb=lambda wc, threads, attempt: scattered_job_resources(
            "descriptor_part", wc.twojmax, threads, attempt
        )["mem_mb"],
    log:
        f"{LOGS}/descriptors/2J{{twojmax}}_part{{part}}of{{parts}}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/descriptors.py"


if PILOT:

    rule pool_descriptors:
        input:
            f"{RESULTS}/pool/structures.h5",
        output:
            f"{RESULTS}/pool/descriptors/2J{{twojmax}}.h5",
        params:
            element=config["element"],
            descriptors=descriptor_params(),
        threads: config["descriptors"].get("workers", 1)
        resources:
            runtime=120,
            mem_mb=4000,
        log:
            f"{LOGS}/pool/descriptors_2J{{twojmax}}.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/descriptors.py"
