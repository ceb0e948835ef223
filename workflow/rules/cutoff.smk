# The cutoff radius as a cost knob (Oerder & Hamaekers): for every other rcutfac of
# descriptors.rcutfac, the stages that depend on the cutoff (descriptors, leverage, sweep, MD
# speed) again under results/cutoff/rc<value>/, on the same labels. The study's own cutoff
# keeps its paths.
CUT = f"{RESULTS}/cutoff/rc{{rcutfac}}"


use rule descriptors as cutoff_descriptors with:
    output:
        f"{CUT}/descriptors/2J{{twojmax}}.h5",
    params:
        element=config["element"],
        descriptors=lambda wc: descriptor_params(float(wc.rcutfac)),
    log:
        f"{LOGS}/cutoff/rc{{rcutfac}}/descriptors_2J{{twojmax}}.log",
    wildcard_constraints:
        rcutfac=one_of(CUTOFF_AXIS),


use rule leverage as cutoff_leverage with:
    input:
        structures=f"{RESULTS}/structures.h5",
        descriptors=[f"{CUT}/descriptors/2J{{twojmax}}.h5"],
        labels=label_files(),
    output:
        csv_files(f"{CUT}/leverage/2J{{twojmax}}"),
    log:
        f"{LOGS}/cutoff/rc{{rcutfac}}/leverage_2J{{twojmax}}.log",
    wildcard_constraints:
        rcutfac=one_of(CUTOFF_AXIS),


rule cutoff_sweep:
    input:
        structures=f"{RESULTS}/structures.h5",
        descriptors=[f"{CUT}/descriptors/2J{{twojmax}}.h5"],
        labels=label_files(),
        leverage=f"{CUT}/leverage/2J{{twojmax}}.csv",
    output:
        csv_files(f"{CUT}/sweep/2J{{twojmax}}"),
    params:
        config=sweep_settings(),
    threads: config["fit"].get("threads", 1)
    resources:
        runtime=240,
        mem_mb=4000,
    log:
        f"{LOGS}/cutoff/rc{{rcutfac}}/sweep_2J{{twojmax}}.log",
    wildcard_constraints:
        rcutfac=one_of(CUTOFF_AXIS),
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/fit_sweep.py"


use rule md_cost as cutoff_md_cost with:
    input:
        structures=f"{RESULTS}/structures.h5",
        descriptors=[f"{CUT}/descriptors/2J{{twojmax}}.h5"],
        labels=label_files(),
    output:
        json=f"{CUT}/md/2J{{twojmax}}.json",
        coeff=f"{CUT}/md/2J{{twojmax}}.snapcoeff",
        param=f"{CUT}/md/2J{{twojmax}}.snapparam",
    params:
        config=lambda wc: md_settings(float(wc.rcutfac)),
    log:
        f"{LOGS}/cutoff/rc{{rcutfac}}/md_cost_2J{{twojmax}}.log",
    wildcard_constraints:
        rcutfac=one_of(CUTOFF_AXIS),


rule cutoff_report:
    input:
        sweeps=expand(f"{RESULTS}/sweep/2J{{twojmax}}.csv", twojmax=TWOJMAX),
        md=expand(f"{RESULTS}/md/2J{{twojmax}}.json", twojmax=TWOJMAX),
        cutoff_sweeps=expand(f"{CUT}/sweep/2J{{twojmax}}.csv", rcutfac=CUTOFF_AXIS,
                             twojmax=TWOJMAX),
        cutoff_md=expand(f"{CUT}/md/2J{{twojmax}}.json", rcutfac=CUTOFF_AXIS, twojmax=TWOJMAX),
    output:
        summary=csv_files(f"{RESULTS}/cutoff/summary"),
        models=table_files(f"{RESULTS}/cutoff/models"),
        front=table_files(f"{RESULTS}/cutoff/front"),
        models_html=report(
            f"{RESULTS}/cutoff/models.html",
            caption="../report/cutoff_models.rst",
            category="Beyond one level and one RMSE",
        ),
        front_html=report(
            f"{RESULTS}/cutoff/front.html",
            caption="../report/cutoff_front.rst",
            category="Beyond one level and one RMSE",
        ),
        plot=report(
            f"{RESULTS}/cutoff/cutoff.png",
            caption="../report/cutoff.rst",
            category="Beyond one level and one RMSE",
        ),
        plot_pdf=f"{RESULTS}/cutoff/cutoff.pdf",
    params:
        rcutfac=cutoff_scales(),
        radelem=float(config["descriptors"].get("radelem", 0.5)),
        reference_level=config["fit"]["reference_level"],
        front_samplers=config.get("pareto", {}).get("samplers"),
        energy_weight=config.get("pareto", {}).get("sampler_comparison_energy_weight", 150),
    log:
        f"{LOGS}/cutoff/report.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/cutoff_report.py"
