"""A small synthetic looked-after case with every record of issue 13, as a scenario file."""

LAC = """\
safeguard_scenario: 1
title: Looked-after care test case
partnership:
  agencies:
    - {code: la, name: Local Authority, kind: childrens_social_care}
    - {code: gp1, name: Riverside Surgery, kind: gp_practice}
    - {code: ph1, name: High Street Pharmacy, kind: community_pharmacy}
    - {code: iro1, name: IRO Service, kind: iro_service}
    - {code: sch1, name: Hill School, kind: school}
  professionals:
    - {username: sw.lac, given_name: Sam, family_name: Worker, agency: la, role: social_worker}
    - {username: iro.lac, given_name: Ira, family_name: Reviewer, agency: iro1, role: iro}
    - {username: gp.lac, given_name: Gail, family_name: Doctor, agency: gp1, role: gp}
    - {username: ph.lac, given_name: Phil, family_name: Pharma, agency: ph1, role: pharmacist}
    - {username: sch.lac, given_name: Sue, family_name: Teacher, agency: sch1,
       role: school_safeguarding_lead}
children:
  - local_id: LAC-1
    given_name: Lily
    family_name: Test
    date_of_birth: 2002-05-10
    sex: F
    nhs_number: "943 476 5919"
    local_authority: la
    people:
      - {id: lac-mum, given_name: Mary, family_name: Test, relationship: mother,
         parental_responsibility: true, pr_basis: birth_mother, start: 2002-05-10}
      - {id: lac-dad, given_name: David, family_name: Test, relationship: father,
         parental_responsibility: true, pr_basis: registered_father, start: 2002-05-10}
      - {id: lac-gran, given_name: Gwen, family_name: Old, relationship: grandparent,
         start: 2002-05-10}
      - {id: lac-aoc, given_name: Adam, family_name: Concern, relationship: adult_of_concern,
         start: 2018-09-01}
    involvements:
      - {professional: sw.lac, role: allocated_social_worker, start: 2018-01-01}
      - {professional: iro.lac, role: iro, start: 2018-01-01}
      - {professional: gp.lac, role: gp, start: 2018-01-01}
      - {professional: ph.lac, role: pharmacist, start: 2018-01-01}
      - {professional: sch.lac, role: school_safeguarding_lead, start: 2018-01-01}
    episodes:
      - {kind: looked_after, start: 2018-01-01, legal_status: V2}
    placements:
      - {type: K2, start: 2018-01-01, end: 2018-09-01, provider_name: Oak House,
         provider_type: PR4, reason_changed: CHILD, distance_miles: 12, siblings: none,
         provider_registration: registered}
      - {type: H5, start: 2018-09-01, provider_name: Severn Lodge, out_of_area: true,
         area: Herefordshire, host_authority_notified: 2018-09-20, distance_miles: 30,
         provider_registration: unregistered}
    health:
      conditions:
        - {id: lac-epi, name: Epilepsy, diagnosed: 2015-03, chronic: true}
      medicines:
        - {name: Lamotrigine, condition: lac-epi, start: 2015-04-01, long_term: true}
      appointments:
        - {date: 2018-03-01, service: specialist, clinic: Neurology, condition: lac-epi,
           status: attended}
        - {date: 2018-06-01, service: specialist, clinic: Neurology, condition: lac-epi,
           status: not_attended}
        - {date: 2018-10-01, service: adult, clinic: Adult neurology, condition: lac-epi,
           status: not_attended}
      transition_plans:
        - {date: 2018-11-01, condition: lac-epi, named_worker: Epilepsy nurse,
           plan: Move to adult neurology with a joint clinic first}
    care:
      placement_plans:
        - {requested: 2017-12-20, placement_start: 2018-01-01, health_needs: Epilepsy,
           medicines: Lamotrigine twice daily, matching_decision: Oak House can meet needs,
           health_information_shared: 2017-12-28, carers_trained: 2017-12-30,
           delegated_authority: Carers may give rescue medication}
        - {requested: 2018-08-25, placement_start: 2018-09-01, health_needs: Epilepsy,
           health_information_shared: 2018-09-15}
      capacity_assessments:
        - {decision_kind: return_to_adult_of_concern, decision: Living with Adam,
           date: 2018-10-05, assessor: sw.lac, impairment: false, understands: true,
           retains: true, uses_or_weighs: true, communicates: true, outcome: has_capacity}
      iro_disputes:
        - issue: No health plan in the care plan
          raised: 2018-02-01
          raised_by: iro.lac
          escalations:
            - {stage: team_manager, date: 2018-02-20}
          resolved: 2018-03-10
          outcome: Health plan added
        - {issue: Placement not meeting needs, raised: 2018-09-10, raised_by: iro.lac}
      education:
        - {setting_type: school, name: Hill School, start: 2018-01-01, end: 2018-09-01,
           virtual_school_head: Vera Head}
        - {setting_type: college, name: Town College, start: 2018-09-01, part_time: true,
           hours_per_week: 12}
      peps:
        - {kind: pep, date: 2018-01-20}
        - {kind: review, date: 2018-05-01}
      leaving_care:
        - {kind: needs_assessment, date: 2018-07-01, personal_adviser_name: Pat Adviser}
        - {kind: pathway_plan, date: 2018-08-01, accommodation: Severn Lodge}
      death:
        date: 2019-01-10
        notified: 2019-01-10
        circumstances: Died in her sleep; a seizure is suspected
        abuse_or_neglect_suspected: true
        notifications:
          - {recipient: parent, name: Mary Test (Mother), done: 2019-01-10}
"""
