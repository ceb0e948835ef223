rule pareto:
    input:
        expand("results/sweep/2J{twojmax}.csv", twojmax=TWOJMAX),
    output:
        summary="results/pareto/summary.csv",
        front="results/pareto/front.csv",
        front_md="results/pareto/front.md",
        bands="results/pareto/budget_bands.csv",
        plots=report(
            expand("results/pareto/pareto_2J{twojmax}.png", twojmax=TWOJMAX),
            caption="../report/pareto.rst",
            category="Pareto front",
        ),
        learning=report(
            "results/pareto/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="Learning curves",
        ),
        front_table=report(
            "results/pareto/front.html",
            caption="../report/front.rst",
            category="Pareto front",
        ),
    params:
        reference_level=config["fit"]["reference_level"],
    log:
        "logs/pareto.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/pareto.py"


rule tables:
    input:
        structures="results/structures.h5",
        labels=label_files(),
        chunk_benchmarks=expand(
            "results/benchmarks/label_chunk/level{level}_chunk{chunk}.tsv",
            level=COMPUTED_LEVELS,
            chunk=range(N_CHUNKS),
        ),
    output:
        ladder="results/tables/table1_ladder.csv",
        ladder_md="results/tables/table1_ladder.md",
        rmsd="results/tables/table3_dft_rmsd.csv",
        ladder_html=report(
            "results/tables/table1_ladder.html",
            caption="../report/table1.rst",
            category="DFT ladder",
        ),
        rmsd_html=report(
            "results/tables/table3_dft_rmsd.html",
            caption="../report/table3.rst",
            category="DFT ladder",
        ),
        parity=report(
            "results/tables/parity.png",
            caption="../report/parity.rst",
            category="DFT ladder",
        ),
        failures=report(
            "results/tables/dft_failures.html",
            caption="../report/failures.rst",
            category="DFT ladder",
        ),
    params:
        config=config,
    log:
        "logs/tables.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/tables.py"
