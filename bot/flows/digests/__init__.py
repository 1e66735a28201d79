"""The weekly SLA and satisfaction digest: periods, figures, sections, the chart, posting once
per period, and the current week so far for IT leads."""
