"""``rlcode eval`` and ``rlcode compare``: metrics, CI gates, reports and comparisons of scored runs.

``metrics`` turns scored rows into the DESIGN.md "Evaluation results" object; ``gates`` checks
``--fail-under`` thresholds against it; ``reports`` renders JUnit XML, Markdown and HTML;
``compare`` sets two results side by side with paired tests; ``repair`` holds the repair-task
fields every scored row of a task with ``buggy_code`` carries.
"""
