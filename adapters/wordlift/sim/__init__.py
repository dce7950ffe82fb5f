"""The WordLift KPI simulator's parts: records, planning, store, seed data, rendering, HTTP app."""
