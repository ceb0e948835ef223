rule label_chunk:
    wildcard_constraints:
        level=one_of(COMPUTED_LEVELS),
    input:
        f"{RESULTS}/configurations.h5",
    output:
        chunk=f"{RESULTS}/dft/level{{level}}/chunk{{chunk}}.h5",
        # the DFT code's own files (VASP's OUTCAR, GPAW's text log), run in the job's tmpdir
        work=f"{RESULTS}/dft/level{{level}}/chunk{{chunk}}.work.tar.gz",
    params:
        dft=labelling_settings(),
        record_store=RECORD_STORE,
    threads: 1
    resources:
        runtime=lambda wc, attempt: 60 * attempt,
        mem_mb=lambda wc, attempt: 2000 * attempt,
    log:
        f"{LOGS}/dft/level{{level}}/chunk{{chunk}}.log",
    conda:
        "../../envs/dft-{}.yaml".format(config["dft"]["code"])
    script:
        "../scripts/label_chunk.py"


rule collect_level:
    wildcard_constraints:
        level=one_of(COMPUTED_LEVELS),
    input:
        structures=f"{RESULTS}/configurations.h5",
        chunks=expand(
            f"{RESULTS}/dft/level{{{{level}}}}/chunk{{chunk}}.h5", chunk=range(N_CHUNKS)
        ),
    output:
        h5=f"{RESULTS}/labels/level{{level}}.h5",
        xyz=f"{RESULTS}/labels/level{{level}}.extxyz",
    params:
        max_failed_fraction=config["dft"].get("max_failed_fraction", 0.05),
    log:
        f"{LOGS}/collect/level{{level}}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/collect_level.py"


rule import_level:
    wildcard_constraints:
        level=one_of(IMPORTED_LEVELS),
    input:
        structures=f"{RESULTS}/configurations.h5",
        labels=lambda wc: level_entry(config, wc.level)["labels_from"]["path"],
    output:
        h5=f"{RESULTS}/labels/level{{level}}.h5",
        xyz=f"{RESULTS}/labels/level{{level}}.extxyz",
    params:
        level=lambda wc: canonical(level_entry(config, wc.level)),
        max_failed_fraction=config["dft"].get("max_failed_fraction", 0.05),
    log:
        f"{LOGS}/import/level{{level}}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/import_level.py"


rule reference_check:
    input:
        structures=f"{RESULTS}/configurations.h5",
        labels=label_files(),
    output:
        table=table_files(f"{RESULTS}/tables/reference_convergence"),
        html=report(
            f"{RESULTS}/tables/reference_convergence.html",
            caption="../report/reference_convergence.rst",
            category="DFT ladder",
        ),
        work=f"{RESULTS}/dft/check.work.tar.gz",
    params:
        dft=reference_check_settings(),
        record_store=RECORD_STORE,
        reference=config["fit"]["reference_level"],
    threads: 1
    resources:
        runtime=lambda wc, attempt: 240 * attempt,
        mem_mb=lambda wc, attempt: 4000 * attempt,
    log:
        f"{LOGS}/reference_check.log",
    conda:
        "../../envs/dft-{}.yaml".format(config["dft"]["code"])
    script:
        "../scripts/reference_check.py"
