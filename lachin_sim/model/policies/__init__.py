"""Decisions that follow from the model's state, one small strategy object per rule:
ration rules and decision behaviour (``rationing``), the sharing of a ration among uses and
groups by priority (``allocation``), and reservoir release rules (``release``)."""
