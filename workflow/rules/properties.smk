# Material properties per level (Bayerl et al. 2022): DFT at each computed level on
# crystal cells (through the record store, like the labels), and each level's whole-half model
# of each 2Jmax in LAMMPS.


rule dft_properties:
    wildcard_constraints:
        level=one_of(COMPUTED_LEVELS),
    output:
        json=f"{RESULTS}/properties/dft_level{{level}}.json",
        work=f"{RESULTS}/properties/dft_level{{level}}.work.tar.gz",
    params:
        dft=labelling_settings(),
        element=config["element"],
        settings=PROPERTY_CELLS,
        record_store=RECORD_STORE,
    threads: 1
    resources:
        runtime=lambda wc, attempt: 240 * attempt,
        mem_mb=lambda wc, attempt: 4000 * attempt,
    log:
        f"{LOGS}/properties/dft_level{{level}}.log",
    conda:
        "../../envs/dft-{}.yaml".format(config["dft"]["code"])
    script:
        "../scripts/dft_properties.py"


rule model_properties:
    input:
        structures=f"{RESULTS}/structures.h5",
        descriptors=descriptor_files,
        labels=label_files(),
    output:
        table=csv_files(f"{RESULTS}/properties/model_2J{{twojmax}}"),
        coeff=expand(
            f"{RESULTS}/properties/2J{{{{twojmax}}}}/level{{level}}.snapcoeff", level=LEVELS
        ),
        param=expand(
            f"{RESULTS}/properties/2J{{{{twojmax}}}}/level{{level}}.snapparam", level=LEVELS
        ),
    params:
        settings=PROPERTIES,
        descriptors=descriptor_params(),
        element=config["element"],
        levels=LEVELS,
    threads: 1
    resources:
        runtime=60,
        mem_mb=4000,
    log:
        f"{LOGS}/properties/model_2J{{twojmax}}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/model_properties.py"


rule properties_report:
    input:
        dft=expand(f"{RESULTS}/properties/dft_level{{level}}.json", level=COMPUTED_LEVELS),
        models=expand(f"{RESULTS}/properties/model_2J{{twojmax}}.csv", twojmax=PROPERTIES_TWOJMAX),
        whole_half=expand(
            f"{RESULTS}/sweep/whole_half_2J{{twojmax}}.csv", twojmax=PROPERTIES_TWOJMAX
        ),
        md=expand(f"{RESULTS}/md/2J{{twojmax}}.json", twojmax=PROPERTIES_TWOJMAX),
    output:
        table=table_files(f"{RESULTS}/properties/properties"),
        errors=table_files(f"{RESULTS}/properties/property_errors"),
        front=table_files(f"{RESULTS}/properties/property_front"),
        html=report(
            f"{RESULTS}/properties/properties.html",
            caption="../report/properties_table.rst",
            category="Beyond one level and one RMSE",
        ),
        errors_html=report(
            f"{RESULTS}/properties/property_errors.html",
            caption="../report/property_errors.rst",
            category="Beyond one level and one RMSE",
        ),
        front_html=report(
            f"{RESULTS}/properties/property_front.html",
            caption="../report/property_front.rst",
            category="Beyond one level and one RMSE",
        ),
        plot=report(
            f"{RESULTS}/properties/properties.png",
            caption="../report/properties.rst",
            category="Beyond one level and one RMSE",
        ),
        plot_pdf=f"{RESULTS}/properties/properties.pdf",
    params:
        reference_level=config["fit"]["reference_level"],
        energy_weight=(PROPERTIES or {}).get("energy_weight", 150.0),
    log:
        f"{LOGS}/properties/report.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/properties_report.py"
