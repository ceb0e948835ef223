rule label_chunk:
    wildcard_constraints:
        level=one_of(COMPUTED_LEVELS),
    input:
        "results/structures.h5",
    output:
        "results/dft/level{level}/chunk{chunk}.h5",
    params:
        dft=config["dft"],
    threads: 1
    resources:
        runtime=lambda wc, attempt: 60 * attempt,
        mem_mb=lambda wc, attempt: 2000 * attempt,
    log:
        "logs/dft/level{level}/chunk{chunk}.log",
    benchmark:
        "results/benchmarks/label_chunk/level{level}_chunk{chunk}.tsv"
    conda:
        "../../envs/dft-{}.yaml".format(config["dft"]["code"])
    script:
        "../scripts/label_chunk.py"


rule collect_level:
    wildcard_constraints:
        level=one_of(COMPUTED_LEVELS),
    input:
        structures="results/structures.h5",
        chunks=expand(
            "results/dft/level{{level}}/chunk{chunk}.h5", chunk=range(N_CHUNKS)
        ),
    output:
        h5="results/labels/level{level}.h5",
        xyz="results/labels/level{level}.extxyz",
    params:
        max_failed_fraction=config["dft"].get("max_failed_fraction", 0.05),
    log:
        "logs/collect/level{level}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/collect_level.py"


rule import_level:
    wildcard_constraints:
        level=one_of(IMPORTED_LEVELS),
    input:
        structures="results/structures.h5",
        labels=lambda wc: level_entry(config, wc.level)["labels_from"]["path"],
    output:
        h5="results/labels/level{level}.h5",
        xyz="results/labels/level{level}.extxyz",
    params:
        level=lambda wc: level_entry(config, wc.level),
        max_failed_fraction=config["dft"].get("max_failed_fraction", 0.05),
    log:
        "logs/import/level{level}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/import_level.py"
