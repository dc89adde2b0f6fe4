"""Cost prediction in the kernel: block features, the per-device calibration, labelled samples
from traces, and the calls through the `predict` hook. The models themselves live in plugins
(`jamliquor-ai`); the kernel only defines what goes in (`features`) and what comes out (`cost`)."""
