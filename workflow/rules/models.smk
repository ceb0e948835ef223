# Trained model families beside qSNAP: one job per trained model (its training set chosen as the
# sweep chooses it), gathered per family; the family's MD cost; the fronts over family × level ×
# size, its Tables 4/5 analog and its learning curves against each level's DFT error; and its
# multi-fidelity models (fine-tuned or multi-head) against single-level training at equal cost.


rule train_model:
    input:
        structures=f"{RESULTS}/structures.h5",
        labels=label_files(),
        leverage=model_leverage,
    output:
        csv_files(f"{RESULTS}/models/{{family}}/{{model_set}}"),
    params:
        settings=model_training_settings,
        store=MODELS["store"],
        work=MODELS["work_dir"],
        offline=MODELS["offline"],
    threads: lambda wildcards: int(MODELS["families"][wildcards.family]["settings"]["threads"])
    # a job stopped at its time limit resumes from its last checkpoint when retried
    resources:
        runtime=240,
        mem_mb=8000,
    log:
        f"{LOGS}/models/{{family}}/{{model_set}}.log",
    wildcard_constraints:
        family=one_of(MODELS["families"]),
        model_set=r"L[^/]+_(whole_half|random|leverage|block_leverage)(_n\d+_r\d+)?",
    conda:
        "../../envs/mace.yaml"
    script:
        "../scripts/train_model.py"


rule gather_models:
    input:
        model_set_files,
    output:
        csv_files(f"{RESULTS}/models/{{family}}"),
    log:
        f"{LOGS}/models/{{family}}_gather.log",
    wildcard_constraints:
        family=one_of(MODELS["families"]),
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/gather_models.py"


rule model_md_cost:
    input:
        reference_model_file,
    output:
        f"{RESULTS}/md/{{family}}.json",
    params:
        settings=lambda wc: model_md_settings(wc.family),
        store=MODELS["store"],
        work=MODELS["work_dir"],
        offline=MODELS["offline"],
    log:
        f"{LOGS}/md/{{family}}.log",
    wildcard_constraints:
        family=one_of(MODELS["families"]),
    conda:
        "../../envs/mace.yaml"
    script:
        "../scripts/model_md_cost.py"


rule models_report:
    input:
        models=expand(f"{RESULTS}/models/{{family}}.csv", family=list(MODELS["families"])),
        md=expand(f"{RESULTS}/md/{{family}}.json", family=list(MODELS["families"])),
        qsnap_md=expand(f"{RESULTS}/md/2J{{twojmax}}.json", twojmax=TWOJMAX),
        summary=f"{RESULTS}/pareto/summary.csv",
        whole_half=expand(f"{RESULTS}/sweep/whole_half_2J{{twojmax}}.csv", twojmax=TWOJMAX),
        dft_rmsd=f"{RESULTS}/tables/table3_dft_rmsd.csv",
    output:
        front=table_files(f"{RESULTS}/models/front"),
        front_html=report(
            f"{RESULTS}/models/front.html",
            caption="../report/models_front.rst",
            category="Model families",
        ),
        whole_half=table_files(f"{RESULTS}/models/whole_half"),
        whole_half_html=report(
            f"{RESULTS}/models/whole_half.html",
            caption="../report/models_whole_half.rst",
            category="Model families",
        ),
        sensitivity=table_files(f"{RESULTS}/models/level_sensitivity"),
        sensitivity_html=report(
            f"{RESULTS}/models/level_sensitivity.html",
            caption="../report/models_level_sensitivity.rst",
            category="Model families",
        ),
        claims=table_files(f"{RESULTS}/models/claims_by_family"),
        claims_html=report(
            f"{RESULTS}/models/claims_by_family.html",
            caption="../report/models_claims.rst",
            category="Model families",
        ),
        front_plot=report(
            f"{RESULTS}/models/models_front.png",
            caption="../report/models_front_plot.rst",
            category="Model families",
        ),
        front_pdf=f"{RESULTS}/models/models_front.pdf",
        curves_plot=report(
            f"{RESULTS}/models/models_learning_curves.png",
            caption="../report/models_learning_curves.rst",
            category="Model families",
        ),
        curves_pdf=f"{RESULTS}/models/models_learning_curves.pdf",
        training_plot=report(
            f"{RESULTS}/models/models_training_curves.png",
            caption="../report/models_training_curves.rst",
            category="Model families",
        ),
        training_pdf=f"{RESULTS}/models/models_training_curves.pdf",
    params:
        reference_level=str(config["fit"]["reference_level"]),
        levels=LEVELS,
        table_weights=table_weights(),
        store=MODELS["store"],
    log:
        f"{LOGS}/models/report.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/models_report.py"


rule train_multifidelity:
    input:
        unpack(multifidelity_inputs),
        structures=f"{RESULTS}/structures.h5",
        labels=label_files(),
    output:
        csv_files(f"{RESULTS}/models/{{family}}/multifidelity/{{mf_set}}"),
    params:
        settings=multifidelity_training_settings,
        store=MODELS["store"],
        work=MODELS["work_dir"],
        offline=MODELS["offline"],
    threads: lambda wildcards: int(MODELS["families"][wildcards.family]["settings"]["threads"])
    resources:
        runtime=240,
        mem_mb=8000,
    log:
        f"{LOGS}/models/{{family}}/multifidelity/{{mf_set}}.log",
    wildcard_constraints:
        family=one_of(MODELS["families"]),
        mf_set=r"(finetune|multihead)_L[^/]+-L[^/]+_(random|leverage|block_leverage)_n\d+_r\d+",
    conda:
        "../../envs/mace.yaml"
    script:
        "../scripts/train_multifidelity.py"


if MULTIFIDELITY_FAMILIES:

    rule multifidelity_report:
        input:
            multifidelity=multifidelity_files(),
            models=expand(f"{RESULTS}/models/{{family}}.csv", family=MULTIFIDELITY_FAMILIES),
            qsnap_mixed=[f"{RESULTS}/mixed_fidelity/points.csv"] if MIXED_FIDELITY else [],
        output:
            points=csv_files(f"{RESULTS}/models/multifidelity"),
            table=table_files(f"{RESULTS}/models/multifidelity_vs_single"),
            table_html=report(
                f"{RESULTS}/models/multifidelity_vs_single.html",
                caption="../report/models_multifidelity_table.rst",
                category="Model families",
            ),
            plot=report(
                f"{RESULTS}/models/multifidelity.png",
                caption="../report/models_multifidelity.rst",
                category="Model families",
            ),
            plot_pdf=f"{RESULTS}/models/multifidelity.pdf",
        params:
            levels=LEVELS,
        log:
            f"{LOGS}/models/multifidelity_report.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/multifidelity_report.py"
