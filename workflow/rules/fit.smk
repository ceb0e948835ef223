rule leverage:
    input:
        structures=f"{RESULTS}/structures.h5",
        descriptors=f"{RESULTS}/descriptors/2J{{twojmax}}.h5",
        labels=label_files(),
    output:
        f"{RESULTS}/leverage/2J{{twojmax}}.csv",
    params:
        energy_weight=config["fit"].get("leverage_energy_weight", 150),
    threads: config["fit"].get("threads", 1)
    resources:
        mem_mb=4000,
    log:
        f"{LOGS}/leverage/2J{{twojmax}}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/leverage.py"


rule fit_sweep:
    input:
        structures=f"{RESULTS}/structures.h5",
        descriptors=f"{RESULTS}/descriptors/2J{{twojmax}}.h5",
        labels=label_files(),
        leverage=f"{RESULTS}/leverage/2J{{twojmax}}.csv",
    output:
        f"{RESULTS}/sweep/2J{{twojmax}}.csv",
    params:
        config=config,
    threads: config["fit"].get("threads", 1)
    resources:
        runtime=240,
        mem_mb=4000,
    log:
        f"{LOGS}/fit_sweep/2J{{twojmax}}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/fit_sweep.py"


rule whole_half:
    input:
        structures=f"{RESULTS}/structures.h5",
        descriptors=f"{RESULTS}/descriptors/2J{{twojmax}}.h5",
        labels=label_files(),
    output:
        table=f"{RESULTS}/sweep/whole_half_2J{{twojmax}}.csv",
        residuals=f"{RESULTS}/sweep/residuals_2J{{twojmax}}.csv",
        correlation=f"{RESULTS}/sweep/residual_correlation_2J{{twojmax}}.csv",
    params:
        settings=whole_half_settings(),
    threads: config["fit"].get("threads", 1)
    resources:
        runtime=60,
        mem_mb=4000,
    log:
        f"{LOGS}/whole_half/2J{{twojmax}}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/whole_half.py"
