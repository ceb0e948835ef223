rule pareto:
    input:
        sweeps=expand(f"{RESULTS}/sweep/2J{{twojmax}}.csv", twojmax=TWOJMAX),
        md=expand(f"{RESULTS}/md/2J{{twojmax}}.json", twojmax=TWOJMAX),
        whole_half=expand(f"{RESULTS}/sweep/whole_half_2J{{twojmax}}.csv", twojmax=TWOJMAX),
        residuals=expand(f"{RESULTS}/sweep/residuals_2J{{twojmax}}.csv", twojmax=TWOJMAX),
        correlation=expand(f"{RESULTS}/sweep/residual_correlation_2J{{twojmax}}.csv", twojmax=TWOJMAX),
    output:
        summary=f"{RESULTS}/pareto/summary.csv",
        front=f"{RESULTS}/pareto/front.csv",
        front_md=f"{RESULTS}/pareto/front.md",
        bands=f"{RESULTS}/pareto/budget_bands.csv",
        bands_html=report(
            f"{RESULTS}/pareto/budget_bands.html",
            caption="../report/budget_bands.rst",
            category="Pareto front",
        ),
        plots=report(
            expand(f"{RESULTS}/pareto/pareto_2J{{twojmax}}.png", twojmax=TWOJMAX),
            caption="../report/pareto.rst",
            category="Pareto front",
        ),
        learning=report(
            f"{RESULTS}/pareto/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="Learning curves",
        ),
        pareto_2d=report(
            f"{RESULTS}/pareto/pareto_2d.png",
            caption="../report/pareto_2d.rst",
            category="Pareto front",
        ),
        error_vs_level=report(
            f"{RESULTS}/pareto/error_vs_level.png",
            caption="../report/error_vs_level.rst",
            category="Models",
        ),
        residual_plot=report(
            f"{RESULTS}/pareto/residual_correlation.png",
            caption="../report/residual_correlation.rst",
            category="Models",
        ),
        residual_table=report(
            f"{RESULTS}/pareto/residual_correlation.html",
            caption="../report/residual_correlation_table.rst",
            category="Models",
        ),
        front_table=report(
            f"{RESULTS}/pareto/front.html",
            caption="../report/front.rst",
            category="Pareto front",
        ),
    params:
        reference_level=config["fit"]["reference_level"],
        front_samplers=config.get("pareto", {}).get("samplers"),
        sampler_weight=config.get("pareto", {}).get("sampler_comparison_energy_weight", 150),
        table_weights=table_weights(),
    log:
        f"{LOGS}/pareto.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/pareto.py"


rule claims:
    input:
        summary=f"{RESULTS}/pareto/summary.csv",
        whole_half=expand(f"{RESULTS}/sweep/whole_half_2J{{twojmax}}.csv", twojmax=TWOJMAX),
        paper=[PAPER_DIR] if PAPER_DIR else [],
    output:
        csv=f"{RESULTS}/claims/claims.csv",
        html=report(
            f"{RESULTS}/claims/claims.html",
            caption="../report/claims.rst",
            category="The paper's claims",
        ),
    params:
        levels=LEVELS,
        table_weights=table_weights(),
        sampler_weight=config.get("pareto", {}).get("sampler_comparison_energy_weight", 150),
    log:
        f"{LOGS}/claims.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/claims.py"


rule paper_comparison:
    input:
        PAPER_DIR if PAPER_DIR else [],
    output:
        front=report(
            f"{RESULTS}/paper/paper_pareto_2J6.png",
            caption="../report/paper_pareto.rst",
            category="The paper's own results",
        ),
        pareto_2d=report(
            f"{RESULTS}/paper/paper_pareto_2d.png",
            caption="../report/paper_pareto_2d.rst",
            category="The paper's own results",
        ),
        learning=report(
            f"{RESULTS}/paper/paper_learning_curves.png",
            caption="../report/paper_learning_curves.rst",
            category="The paper's own results",
        ),
        table4=report(
            f"{RESULTS}/paper/paper_table4_energy_rmse.html",
            caption="../report/paper_table4.rst",
            category="The paper's own results",
        ),
        table5=report(
            f"{RESULTS}/paper/paper_table5_force_rmse.html",
            caption="../report/paper_table5.rst",
            category="The paper's own results",
        ),
    log:
        f"{LOGS}/paper_comparison.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/paper_comparison.py"


rule tables:
    input:
        structures=f"{RESULTS}/structures.h5",
        labels=label_files(),
        chunk_benchmarks=expand(
            f"{RESULTS}/benchmarks/label_chunk/level{{level}}_chunk{{chunk}}.tsv",
            level=COMPUTED_LEVELS,
            chunk=range(N_CHUNKS),
        ),
    output:
        ladder=f"{RESULTS}/tables/table1_ladder.csv",
        ladder_md=f"{RESULTS}/tables/table1_ladder.md",
        rmsd=f"{RESULTS}/tables/table3_dft_rmsd.csv",
        ladder_html=report(
            f"{RESULTS}/tables/table1_ladder.html",
            caption="../report/table1.rst",
            category="DFT ladder",
        ),
        rmsd_html=report(
            f"{RESULTS}/tables/table3_dft_rmsd.html",
            caption="../report/table3.rst",
            category="DFT ladder",
        ),
        parity=report(
            f"{RESULTS}/tables/parity.png",
            caption="../report/parity.rst",
            category="DFT ladder",
        ),
        metrics=report(
            f"{RESULTS}/tables/table3b_statistical_error_metrics.html",
            caption="../report/table3b.rst",
            category="DFT ladder",
        ),
        bayerl=report(
            f"{RESULTS}/tables/table3c_bayerl_recommendation.html",
            caption="../report/table3c.rst",
            category="DFT ladder",
        ),
        failures=report(
            f"{RESULTS}/tables/dft_failures.html",
            caption="../report/failures.rst",
            category="DFT ladder",
        ),
    params:
        config=table_settings(),
    log:
        f"{LOGS}/tables.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/tables.py"


rule md_cost:
    input:
        structures=f"{RESULTS}/structures.h5",
        descriptors=descriptor_files,
        labels=label_files(),
    output:
        json=f"{RESULTS}/md/2J{{twojmax}}.json",
        coeff=f"{RESULTS}/md/2J{{twojmax}}.snapcoeff",
        param=f"{RESULTS}/md/2J{{twojmax}}.snapparam",
    params:
        config=md_settings(),
    threads: 1
    resources:
        runtime=60,
        mem_mb=4000,
    log:
        f"{LOGS}/md_cost/2J{{twojmax}}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/md_cost.py"


rule model_tables:
    input:
        whole_half=expand(f"{RESULTS}/sweep/whole_half_2J{{twojmax}}.csv", twojmax=TWOJMAX),
        md=expand(f"{RESULTS}/md/2J{{twojmax}}.json", twojmax=TWOJMAX),
    output:
        table2=f"{RESULTS}/tables/table2_models.csv",
        table2_html=report(
            f"{RESULTS}/tables/table2_models.html",
            caption="../report/table2.rst",
            category="Models",
        ),
        table4_html=report(
            f"{RESULTS}/tables/table4_energy_rmse.html",
            caption="../report/table4.rst",
            category="Models",
        ),
        table5_html=report(
            f"{RESULTS}/tables/table5_force_rmse.html",
            caption="../report/table5.rst",
            category="Models",
        ),
    params:
        table_weights=table_weights(),
    log:
        f"{LOGS}/model_tables.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/model_tables.py"
