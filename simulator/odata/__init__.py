"""A small OData v4 service core shared by the simulated Dynamics services.

The entity model is the single source of truth: it generates the CSDL ``$metadata``, the SQL
tables and the validation of request bodies. Each Dynamics family (Dataverse, F&O, Business
Central) is a :class:`~simulator.odata.dialect.Dialect` that changes wire details, not logic.
"""
