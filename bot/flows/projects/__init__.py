"""Project post-implementation reviews: IT leads create a project, its owner records each
stakeholder's conditions of satisfaction and keeps them current, and at the close the
stakeholders review the conditions and the end users rate what was delivered; the results go
to the owner and the IT leads, and into the digest."""
