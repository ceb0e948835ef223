rule leverage:
    input:
        structures="results/structures.h5",
        descriptors="results/descriptors/2J{twojmax}.h5",
        labels=label_files(),
    output:
        "results/leverage/2J{twojmax}.csv",
    params:
        energy_weight=config["fit"].get("leverage_energy_weight", 150),
    threads: config["fit"].get("threads", 1)
    resources:
        mem_mb=4000,
    log:
        "logs/leverage/2J{twojmax}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/leverage.py"


rule fit_sweep:
    input:
        structures="results/structures.h5",
        descriptors="results/descriptors/2J{twojmax}.h5",
        labels=label_files(),
        leverage="results/leverage/2J{twojmax}.csv",
    output:
        "results/sweep/2J{twojmax}.csv",
    params:
        config=config,
    threads: config["fit"].get("threads", 1)
    resources:
        runtime=240,
        mem_mb=4000,
    log:
        "logs/fit_sweep/2J{twojmax}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/fit_sweep.py"


rule whole_half:
    input:
        structures="results/structures.h5",
        descriptors="results/descriptors/2J{twojmax}.h5",
        labels=label_files(),
    output:
        table="results/sweep/whole_half_2J{twojmax}.csv",
        residuals="results/sweep/residuals_2J{twojmax}.csv",
        correlation="results/sweep/residual_correlation_2J{twojmax}.csv",
    params:
        settings=whole_half_settings(),
    threads: config["fit"].get("threads", 1)
    resources:
        runtime=60,
        mem_mb=4000,
    log:
        "logs/whole_half/2J{twojmax}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/whole_half.py"
