rule leverage:
    input:
        structures=f"{RESULTS}/structures.h5",
        descriptors=descriptor_files,
        labels=label_files(),
    output:
        csv_files(f"{RESULTS}/leverage/2J{{twojmax}}"),
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


if REPEATS_PER_JOB:

    # the halves every block tests against, once per 2Jmax rather than once per block
    rule sweep_halves:
        input:
            structures=f"{RESULTS}/structures.h5",
            descriptors=descriptor_files,
            labels=label_files(),
            leverage=f"{RESULTS}/leverage/2J{{twojmax}}.csv",
        output:
            f"{RESULTS}/sweep/2J{{twojmax}}/halves.npz",
        params:
            config=sweep_settings(),
        threads: config["fit"].get("threads", 1)
        resources:
            runtime=lambda wc, threads, attempt: scattered_job_resources(
                "sweep_halves", wc.twojmax, threads, attempt
            )["runtime"],
            mem_mb=lambda wc, threads, attempt: scattered_job_resources(
                "sweep_halves", wc.twojmax, threads, attempt
            )["mem_mb"],
        log:
            f"{LOGS}/fit_sweep/2J{{twojmax}}_halves.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/sweep_halves.py"

    rule fit_sweep_block:
        input:
            structures=f"{RESULTS}/structures.h5",
            descriptors=descriptor_files,
            labels=label_files(),
            leverage=f"{RESULTS}/leverage/2J{{twojmax}}.csv",
            halves=f"{RESULTS}/sweep/2J{{twojmax}}/halves.npz",
        output:
            csv_files(f"{RESULTS}/sweep/2J{{twojmax}}/{{sampler}}_repeats{{lo}}-{{hi}}"),
        params:
            config=sweep_settings(),
        threads: config["fit"].get("threads", 1)
        resources:
            runtime=lambda wc, threads, attempt: scattered_job_resources(
                "fit_sweep_block", wc.twojmax, threads, attempt
            )["runtime"],
            mem_mb=lambda wc, threads, attempt: scattered_job_resources(
                "fit_sweep_block", wc.twojmax, threads, attempt
            )["mem_mb"],
        log:
            f"{LOGS}/fit_sweep/2J{{twojmax}}_{{sampler}}_repeats{{lo}}-{{hi}}.log",
        wildcard_constraints:
            sampler=one_of(config["fit"]["samplers"]),
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/fit_sweep.py"

    rule fit_sweep:
        input:
            sweep_blocks,
        output:
            csv_files(f"{RESULTS}/sweep/2J{{twojmax}}"),
        log:
            f"{LOGS}/fit_sweep/2J{{twojmax}}_gather.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/gather_sweep.py"

else:

    rule fit_sweep:
        input:
            structures=f"{RESULTS}/structures.h5",
            descriptors=descriptor_files,
            labels=label_files(),
            leverage=f"{RESULTS}/leverage/2J{{twojmax}}.csv",
        output:
            csv_files(f"{RESULTS}/sweep/2J{{twojmax}}"),
        params:
            config=sweep_settings(),
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
        descriptors=descriptor_files,
        labels=label_files(),
    output:
        table=csv_files(f"{RESULTS}/sweep/whole_half_2J{{twojmax}}"),
        residuals=csv_files(f"{RESULTS}/sweep/residuals_2J{{twojmax}}"),
        correlation=csv_files(f"{RESULTS}/sweep/residual_correlation_2J{{twojmax}}"),
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


if MIXED_FIDELITY:

    rule mixed_fidelity:
        input:
            structures=f"{RESULTS}/structures.h5",
            descriptors=descriptor_files,
            labels=label_files(),
            leverage=f"{RESULTS}/leverage/2J{{twojmax}}.csv",
        output:
            csv_files(f"{RESULTS}/mixed_fidelity/2J{{twojmax}}"),
        params:
            settings=MIXED_FIDELITY,
        threads: config["fit"].get("threads", 1)
        resources:
            runtime=120,
            mem_mb=4000,
        log:
            f"{LOGS}/mixed_fidelity/2J{{twojmax}}.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/mixed_fidelity.py"


if LABEL_NOISE:

    rule label_noise:
        input:
            structures=f"{RESULTS}/structures.h5",
            descriptors=descriptor_files,
            labels=label_files(),
        output:
            csv_files(f"{RESULTS}/label_noise/2J{{twojmax}}"),
        params:
            settings=LABEL_NOISE,
        threads: config["fit"].get("threads", 1)
        resources:
            runtime=60,
            mem_mb=4000,
        log:
            f"{LOGS}/label_noise/2J{{twojmax}}.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/label_noise.py"
