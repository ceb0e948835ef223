rule pareto:
    input:
        sweeps=expand(f"{RESULTS}/sweep/2J{{twojmax}}.csv", twojmax=TWOJMAX),
        md=expand(f"{RESULTS}/md/2J{{twojmax}}.json", twojmax=TWOJMAX),
        whole_half=expand(f"{RESULTS}/sweep/whole_half_2J{{twojmax}}.csv", twojmax=TWOJMAX),
        residuals=expand(f"{RESULTS}/sweep/residuals_2J{{twojmax}}.csv", twojmax=TWOJMAX),
        correlation=expand(f"{RESULTS}/sweep/residual_correlation_2J{{twojmax}}.csv", twojmax=TWOJMAX),
    output:
        summary=csv_files(f"{RESULTS}/pareto/summary"),
        front=table_files(f"{RESULTS}/pareto/front"),
        bands=table_files(f"{RESULTS}/pareto/budget_bands"),
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
        plots_pdf=expand(f"{RESULTS}/pareto/pareto_2J{{twojmax}}.pdf", twojmax=TWOJMAX),
        learning=report(
            f"{RESULTS}/pareto/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="Learning curves",
        ),
        learning_pdf=f"{RESULTS}/pareto/learning_curves.pdf",
        pareto_2d=report(
            f"{RESULTS}/pareto/pareto_2d.png",
            caption="../report/pareto_2d.rst",
            category="Pareto front",
        ),
        pareto_2d_pdf=f"{RESULTS}/pareto/pareto_2d.pdf",
        error_vs_level=report(
            f"{RESULTS}/pareto/error_vs_level.png",
            caption="../report/error_vs_level.rst",
            category="Models",
        ),
        error_vs_level_pdf=f"{RESULTS}/pareto/error_vs_level.pdf",
        residual_plot=report(
            f"{RESULTS}/pareto/residual_correlation.png",
            caption="../report/residual_correlation.rst",
            category="Models",
        ),
        residual_plot_pdf=f"{RESULTS}/pareto/residual_correlation.pdf",
        residual_table=table_files(f"{RESULTS}/pareto/residual_correlation"),
        residual_html=report(
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
        twojmax=TWOJMAX,
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
        sweeps=expand(f"{RESULTS}/sweep/2J{{twojmax}}.csv", twojmax=TWOJMAX),
        whole_half=expand(f"{RESULTS}/sweep/whole_half_2J{{twojmax}}.csv", twojmax=TWOJMAX),
        paper=[PAPER_DIR] if PAPER_DIR else [],
        dft_rmsd=f"{RESULTS}/tables/table3_dft_rmsd.csv",
    output:
        table=table_files(f"{RESULTS}/claims/claims"),
        html=report(
            f"{RESULTS}/claims/claims.html",
            caption="../report/claims.rst",
            category="The paper's claims",
        ),
        floor=table_files(f"{RESULTS}/claims/dft_floor"),
        floor_html=report(
            f"{RESULTS}/claims/dft_floor.html",
            caption="../report/dft_floor_table.rst",
            category="Learning curves",
        ),
        floor_plot=report(
            f"{RESULTS}/claims/dft_floor.png",
            caption="../report/dft_floor.rst",
            category="Learning curves",
        ),
        floor_pdf=f"{RESULTS}/claims/dft_floor.pdf",
    params:
        floor_sampler=(config.get("pareto", {}).get("samplers") or config["fit"]["samplers"])[0],
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
        front_pdf=f"{RESULTS}/paper/paper_pareto_2J6.pdf",
        pareto_2d=report(
            f"{RESULTS}/paper/paper_pareto_2d.png",
            caption="../report/paper_pareto_2d.rst",
            category="The paper's own results",
        ),
        pareto_2d_pdf=f"{RESULTS}/paper/paper_pareto_2d.pdf",
        learning=report(
            f"{RESULTS}/paper/paper_learning_curves.png",
            caption="../report/paper_learning_curves.rst",
            category="The paper's own results",
        ),
        learning_pdf=f"{RESULTS}/paper/paper_learning_curves.pdf",
        table4=table_files(f"{RESULTS}/paper/paper_table4_energy_rmse"),
        table5=table_files(f"{RESULTS}/paper/paper_table5_force_rmse"),
        table4_html=report(
            f"{RESULTS}/paper/paper_table4_energy_rmse.html",
            caption="../report/paper_table4.rst",
            category="The paper's own results",
        ),
        table5_html=report(
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
    output:
        ladder=table_files(f"{RESULTS}/tables/table1_ladder"),
        rmsd=table_files(f"{RESULTS}/tables/table3_dft_rmsd"),
        metrics=table_files(f"{RESULTS}/tables/table3b_statistical_error_metrics"),
        bayerl=table_files(f"{RESULTS}/tables/table3c_bayerl_recommendation"),
        failures=table_files(f"{RESULTS}/tables/dft_failures"),
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
        parity_pdf=f"{RESULTS}/tables/parity.pdf",
        metrics_html=report(
            f"{RESULTS}/tables/table3b_statistical_error_metrics.html",
            caption="../report/table3b.rst",
            category="DFT ladder",
        ),
        bayerl_html=report(
            f"{RESULTS}/tables/table3c_bayerl_recommendation.html",
            caption="../report/table3c.rst",
            category="DFT ladder",
        ),
        failures_html=report(
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
        table2=table_files(f"{RESULTS}/tables/table2_models"),
        table4=table_files(f"{RESULTS}/tables/table4_energy_rmse"),
        table5=table_files(f"{RESULTS}/tables/table5_force_rmse"),
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


if MIXED_FIDELITY:

    rule mixed_fidelity_report:
        input:
            sweeps=expand(f"{RESULTS}/sweep/2J{{twojmax}}.csv", twojmax=MIXED_TWOJMAX),
            mixed=expand(f"{RESULTS}/mixed_fidelity/2J{{twojmax}}.csv", twojmax=MIXED_TWOJMAX),
        output:
            points=csv_files(f"{RESULTS}/mixed_fidelity/points"),
            table=table_files(f"{RESULTS}/mixed_fidelity/mixed_vs_single"),
            html=report(
                f"{RESULTS}/mixed_fidelity/mixed_vs_single.html",
                caption="../report/mixed_vs_single.rst",
                category="Beyond one level and one RMSE",
            ),
            plot=report(
                f"{RESULTS}/mixed_fidelity/mixed_fidelity.png",
                caption="../report/mixed_fidelity.rst",
                category="Beyond one level and one RMSE",
            ),
            plot_pdf=f"{RESULTS}/mixed_fidelity/mixed_fidelity.pdf",
        params:
            front_samplers=config.get("pareto", {}).get("samplers"),
        log:
            f"{LOGS}/mixed_fidelity/report.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/mixed_fidelity_report.py"


if LABEL_NOISE:

    rule label_noise_report:
        input:
            expand(f"{RESULTS}/label_noise/2J{{twojmax}}.csv", twojmax=NOISE_TWOJMAX),
        output:
            curves=csv_files(f"{RESULTS}/label_noise/curves"),
            table=table_files(f"{RESULTS}/label_noise/levels_as_noise"),
            html=report(
                f"{RESULTS}/label_noise/levels_as_noise.html",
                caption="../report/levels_as_noise.rst",
                category="Beyond one level and one RMSE",
            ),
            plot=report(
                f"{RESULTS}/label_noise/label_noise.png",
                caption="../report/label_noise.rst",
                category="Beyond one level and one RMSE",
            ),
            plot_pdf=f"{RESULTS}/label_noise/label_noise.pdf",
        log:
            f"{LOGS}/label_noise/report.log",
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/label_noise_report.py"
